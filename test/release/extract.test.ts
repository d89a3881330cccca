import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { ReleaseError } from "../../src/release/errors.js";
import { extractBinaries } from "../../src/release/extract.js";
import { fetchRelease } from "../../src/release/fetch-release.js";
import { serveFolder } from "../harness/http-server.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { makeUpstreamRelease } from "../harness/release.js";
import { etcdVersion } from "./fake-release.js";
import { temporaryFolder } from "./fixture.js";

type Entry = { name: string; type?: "file" | "symlink" | "link" | "directory"; linkname?: string; content?: string; mode?: number };

/** A .tar.gz with exactly these entries, unsafe ones included (the product's writer refuses them). */
async function handMadeTarball(path: string, entries: Entry[]): Promise<string> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve) => pack.on("end", resolve));
  for (const { content, ...fields } of entries) {
    const header = { type: "file" as const, mode: 0o755, ...fields };
    if (header.type === "file") pack.entry(header, content ?? "");
    else pack.entry(header);
  }
  pack.finalize();
  await ended;
  await writeFile(path, gzipSync(Buffer.concat(chunks)));
  return path;
}

test("a real release, fetched over HTTP and unpacked: etcd and etcdctl byte for byte, mode 0755", async (t) => {
  if (!requirePrerequisites(t, { commands: ["tar", "etcd", "etcdctl"] })) return;
  const mirror = await temporaryFolder(t, "mirror");
  const release = await makeUpstreamRelease(mirror, "3.6.14");
  const server = await serveFolder(mirror);
  t.after(() => server.close());
  const fetched = await fetchRelease({ downloadUrl: server.baseUrl, version: etcdVersion("3.6.14"), arch: "amd64" }, { cacheDir: await temporaryFolder(t, "cache") });
  assert.equal(fetched.sha256, release.sha256);
  assert.deepEqual(server.requests, ["/v3.6.14/SHA256SUMS", release.tarballUrlPath]);

  const binaries = await extractBinaries(fetched.path, "etcd-v3.6.14-linux-amd64", ["etcd", "etcdctl"]);
  assert.deepEqual([...binaries.keys()], ["etcd", "etcdctl"]);
  for (const [name, binary] of binaries) {
    assert.equal(binary.mode, 0o755, name);
    assert.ok(binary.data.equals(await readFile(`/usr/bin/${name}`)), `${name} has the bytes of /usr/bin/${name}`);
  }
  await assert.rejects(extractBinaries(release.tarballPath, "etcd-v3.6.14-linux-amd64", ["etcd", "etcdutl-missing"]), (e: unknown) => {
    assert.ok(e instanceof ReleaseError);
    assert.match(e.message, /has no etcd-v3\.6\.14-linux-amd64\/etcdutl-missing/);
    return true;
  });
});

test("extractBinaries refuses archives with absolute paths, '..' and links that escape", async (t) => {
  const dir = await temporaryFolder(t, "extract");
  const folder = "etcd-v3.6.14-linux-amd64";
  const good: Entry[] = [
    { name: `${folder}/`, type: "directory" },
    { name: `${folder}/etcd`, content: "etcd binary" },
    { name: `./${folder}/etcdctl`, content: "etcdctl binary" },
    { name: `${folder}/docs/link-to-etcd`, type: "symlink", linkname: "../etcd" },
  ];
  const fine = await extractBinaries(await handMadeTarball(join(dir, "fine.tar.gz"), good), folder, ["etcd", "etcdctl"]);
  assert.equal(fine.get("etcdctl")?.data.toString(), "etcdctl binary", 'a leading "./" is accepted');

  const unsafe: Array<{ entry: Entry; error: RegExp }> = [
    { entry: { name: "../evil", content: "x" }, error: /refusing entry "\.\.\/evil": "\.\." in the path/ },
    { entry: { name: `${folder}/../../evil`, content: "x" }, error: /"\.\." in the path/ },
    { entry: { name: "/abs", content: "x" }, error: /refusing entry "\/abs": absolute path/ },
    { entry: { name: `${folder}/escape`, type: "symlink", linkname: "../../etc/passwd" }, error: /symbolic link to "\.\.\/\.\.\/etc\/passwd" outside the archive/ },
    { entry: { name: `${folder}/abs-link`, type: "symlink", linkname: "/etc/passwd" }, error: /symbolic link to "\/etc\/passwd" outside the archive/ },
    { entry: { name: `${folder}/hard`, type: "link", linkname: "../outside" }, error: /hard link to "\.\.\/outside" outside the archive/ },
  ];
  for (const [i, { entry, error }] of unsafe.entries()) {
    const tarball = await handMadeTarball(join(dir, `unsafe-${i}.tar.gz`), [...good, entry]);
    await assert.rejects(extractBinaries(tarball, folder, ["etcd"]), (e: unknown) => {
      assert.ok(e instanceof ReleaseError, entry.name);
      assert.match(e.message, error);
      return true;
    });
  }

  const notAFile = await handMadeTarball(join(dir, "symlinked-binary.tar.gz"), [{ name: `${folder}/etcd`, type: "symlink", linkname: "etcdctl" }]);
  await assert.rejects(extractBinaries(notAFile, folder, ["etcd"]), /etcd is a symlink, not a regular file/);
  await writeFile(join(dir, "garbage.tar.gz"), "not gzip");
  await assert.rejects(extractBinaries(join(dir, "garbage.tar.gz"), folder, ["etcd"]), (e: unknown) => e instanceof ReleaseError && /cannot unpack/.test(e.message));
});
