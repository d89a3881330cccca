import assert from "node:assert/strict";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { MANIFEST, type OutputFile } from "../../src/encoders/output-tree.js";
import { UserError } from "../../src/errors.js";
import { writeOutputTree } from "../../src/write/write-output.js";
import { fileIdentities, tempDir } from "../support.js";

/** Stand-in output: the manifest's text changes whenever another file does, as the real one's hashes would. */
function outputFiles(contents: Record<string, string>): OutputFile[] {
  const files = Object.entries(contents).map(([path, content]) => ({ path, content }));
  return [...files, { path: MANIFEST, content: JSON.stringify(contents) }];
}

const FIRST = {
  "ca.crt": "CA\n",
  "hosts/etcd-1/user-data": "one\n",
  "hosts/etcd-1/meta-data": "id: 1\n",
  "hosts/etcd-2/user-data": "two\n",
  "hosts/etcd-2/meta-data": "id: 2\n",
};

async function outputDir(t: TestContext): Promise<string> {
  const parent = await tempDir("write-output");
  t.after(() => rm(parent, { recursive: true, force: true }));
  return join(parent, "out", "lab");
}

function rewritten(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after.keys()].filter((path) => before.get(path) !== after.get(path)).sort();
}

const read = (dir: string, path: string) => readFile(join(dir, path), "utf8");

/** Modification times have a granularity: make sure a rewrite now would show. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("writeOutputTree", () => {
  test("a new folder appears with every file and nothing else (no staging folder left beside it)", async (t) => {
    const dir = await outputDir(t);
    const result = await writeOutputTree(dir, outputFiles(FIRST));
    assert.equal(result.changed, true);
    assert.deepEqual([...(await fileIdentities(dir)).keys()].sort(), [...Object.keys(FIRST), MANIFEST].sort());
    assert.equal(await read(dir, "hosts/etcd-2/user-data"), "two\n");
    assert.deepEqual(await readdir(join(dir, "..")), ["lab"]);
  });

  test("unchanged: nothing is written, every file keeps its inode and mtime", async (t) => {
    const dir = await outputDir(t);
    await writeOutputTree(dir, outputFiles(FIRST));
    const before = await fileIdentities(dir);
    await tick();
    const result = await writeOutputTree(dir, outputFiles(FIRST));
    assert.deepEqual(result, { changed: false, written: [], removed: [] });
    assert.deepEqual(await fileIdentities(dir), before);
  });

  test("one file changed: only it and then the manifest are rewritten", async (t) => {
    const dir = await outputDir(t);
    await writeOutputTree(dir, outputFiles(FIRST));
    const before = await fileIdentities(dir);
    await tick();
    const result = await writeOutputTree(dir, outputFiles({ ...FIRST, "hosts/etcd-2/user-data": "two, renumbered\n" }));
    assert.deepEqual(result, { changed: true, written: ["hosts/etcd-2/user-data", MANIFEST], removed: [] });
    const after = await fileIdentities(dir);
    assert.deepEqual(rewritten(before, after), ["hosts/etcd-2/user-data", MANIFEST]);
    const mtime = async (path: string) => (await stat(join(dir, path), { bigint: true })).mtimeNs;
    assert.ok((await mtime(MANIFEST)) >= (await mtime("hosts/etcd-2/user-data")), "the manifest is written last");
    assert.equal(await read(dir, "hosts/etcd-2/user-data"), "two, renumbered\n");
    assert.equal((await stat(join(dir, "hosts/etcd-2/user-data"))).mode & 0o777, 0o644);
    assert.deepEqual([...after.keys()].filter((path) => path.includes(".tmp")), [], "no temporary files are left");
  });

  test("a rewritten file gets the mode a new one gets: the umask applies to both", async (t) => {
    const dir = await outputDir(t);
    const previous = process.umask(0o077);
    t.after(() => void process.umask(previous));
    await writeOutputTree(dir, outputFiles(FIRST));
    await writeOutputTree(dir, outputFiles({ ...FIRST, "hosts/etcd-1/user-data": "one, again\n" }));
    for (const path of ["hosts/etcd-1/user-data", "hosts/etcd-2/user-data", MANIFEST]) assert.equal((await stat(join(dir, path))).mode & 0o777, 0o600, path);
  });

  test("files no longer produced are deleted, with folders left empty; stray files go too", async (t) => {
    const dir = await outputDir(t);
    await writeOutputTree(dir, outputFiles(FIRST));
    await writeFile(join(dir, "hosts", "etcd-1", "notes.txt"), "left by hand\n");
    await mkdir(join(dir, "hosts", "etcd-9"), { recursive: true });
    await writeFile(join(dir, "hosts", "etcd-9", "user-data"), "of a host long gone\n");
    const before = await fileIdentities(dir);
    await tick();
    const { "hosts/etcd-2/user-data": _u, "hosts/etcd-2/meta-data": _m, ...withoutEtcd2 } = FIRST;
    const result = await writeOutputTree(dir, outputFiles(withoutEtcd2));
    assert.deepEqual(result, { changed: true, written: [MANIFEST], removed: ["hosts/etcd-1/notes.txt", "hosts/etcd-2", "hosts/etcd-9"] });
    const after = await fileIdentities(dir);
    assert.deepEqual([...after.keys()].sort(), [...Object.keys(withoutEtcd2), MANIFEST].sort());
    assert.deepEqual(rewritten(before, after), [MANIFEST]);
    assert.deepEqual((await readdir(join(dir, "hosts"))).sort(), ["etcd-1"]);
  });

  test("a folder standing where a file belongs is replaced by the file", async (t) => {
    const dir = await outputDir(t);
    await writeOutputTree(dir, outputFiles(FIRST));
    await rm(join(dir, "ca.crt"));
    await mkdir(join(dir, "ca.crt", "inside"), { recursive: true });
    await writeOutputTree(dir, outputFiles(FIRST));
    assert.equal(await read(dir, "ca.crt"), "CA\n");
  });

  test("a folder etcdboot did not write (no manifest.json) is refused and left as it was", async (t) => {
    const dir = await outputDir(t);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "thesis.tex"), "years of work\n");
    await assert.rejects(writeOutputTree(dir, outputFiles(FIRST)), (error: unknown) => error instanceof UserError && /not written by etcdboot/.test(error.message));
    assert.deepEqual(await readdir(dir), ["thesis.tex"]);
    assert.equal(await read(dir, "thesis.tex"), "years of work\n");
  });
});
