// Golden tests: a fixed spec with injected PKI text renders exactly the files in
// test/golden/<case>/expected/. The PKI and the etcd binaries are stand-in text, so no key
// and no binary is ever committed. An overlay (.apkovl.tar.gz) is compared as its entry
// listing (path, type, mode, owner, link, sha256) plus its text files verbatim; a seed image
// (seed.iso, reproducible to the byte) as its size and SHA-256.
// UPDATE_GOLDEN=1 npm test rewrites the expected files after an intended change.

import assert from "node:assert/strict";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { encodeOutputTree, type OutputFile } from "../../src/encoders/output-tree.js";
import { planCluster, type ReleaseBinaries } from "../../src/plan/plan-host.js";
import { readSpec } from "../../src/spec/load-spec.js";
import { listingLine, readTarGz } from "../harness/archive.js";
import { REPO, standInPki } from "../support.js";

const GOLDEN = join(REPO, "test", "golden");

const STAND_IN_BINARIES: ReleaseBinaries = new Map(
  (["amd64", "arm64"] as const).map((arch) => [arch, new Map(["etcd", "etcdctl", "etcdutl"].map((b) => [b, Buffer.from(`<${b} binary for ${arch}>`)]))]),
);

/** What a golden folder holds for one output file: itself, or for an overlay its listing and text files. */
async function goldenForm(file: OutputFile): Promise<{ path: string; content: string }[]> {
  if (file.path.endsWith(".iso")) return [{ path: `${file.path}.sha256`, content: `${file.sha256}  ${Buffer.byteLength(file.content)} bytes\n` }];
  if (!file.path.endsWith(".apkovl.tar.gz")) return [{ path: file.path, content: Buffer.from(file.content).toString("utf8") }];
  const entries = await readTarGz(file.content as Uint8Array);
  const texts = entries
    .filter((e) => e.content && !e.path.startsWith("usr/local/bin/"))
    .map((e) => ({ path: `${file.path}.d/${e.path}`, content: e.content?.toString("utf8") ?? "" }));
  return [{ path: `${file.path}.listing`, content: `${entries.map(listingLine).join("\n")}\n` }, ...texts];
}

for (const name of await readdir(GOLDEN)) {
  test(`golden: ${name}`, async () => {
    const caseDir = join(GOLDEN, name);
    const result = await readSpec(join(caseDir, "cluster.yaml"));
    assert.ok(result.ok, "the golden spec must be valid");
    if (!result.ok) return;
    const { spec } = result;
    const pki = standInPki(spec.hosts.map((h) => h.name), spec.clients.map((c) => c.name));
    const output = await encodeOutputTree(spec, planCluster(spec, { pki, releases: STAND_IN_BINARIES }), pki, "/srv/pki/golden");
    const files = (await Promise.all(output.map(goldenForm))).flat();
    const expectedDir = join(caseDir, "expected");
    if (process.env["UPDATE_GOLDEN"] === "1") {
      await rm(expectedDir, { recursive: true, force: true });
      for (const file of files) {
        await mkdir(dirname(join(expectedDir, file.path)), { recursive: true });
        await writeFile(join(expectedDir, file.path), file.content);
      }
    }
    const expectedPaths = (await readdir(expectedDir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(expectedDir.length + 1))
      .sort();
    assert.deepEqual(files.map((f) => f.path).sort(), expectedPaths, "the set of output files");
    for (const file of files) assert.equal(file.content, await readFile(join(expectedDir, file.path), "utf8"), `${file.path} differs from the golden copy`);
  });
}
