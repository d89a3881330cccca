import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmod, lstat, mkdir, readdir, readFile, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { MANIFEST, type OutputFile } from "../../src/encoders/output-tree.js";
import { UserError } from "../../src/errors.js";
import { sha256Hex } from "../../src/release/hash.js";
import { writeOutputTree } from "../../src/write/write-output.js";
import { fileIdentities, tempDir } from "../support.js";

/** Stand-in output: the manifest's text changes whenever another file does, as the real one's hashes would. user-data carries a key. */
function outputFiles(contents: Record<string, string>): OutputFile[] {
  const files = Object.entries(contents).map(([path, content]) => ({ path, content, secret: path.endsWith("/user-data"), sha256: sha256Hex(content) }));
  return [...files, { path: MANIFEST, content: JSON.stringify(contents), secret: false, sha256: sha256Hex(JSON.stringify(contents)) }];
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

const modeOf = async (dir: string, path: string) => (await stat(join(dir, path))).mode & 0o7777;

/** The pid of a process that has ended (as a killed etcdboot's would be). */
async function pidOfFinishedProcess(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await once(child, "exit");
  assert.ok(child.pid);
  return child.pid;
}

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
    assert.equal((await stat(join(dir, "hosts/etcd-2/user-data"))).mode & 0o777, 0o600, "it carries a key");
    assert.deepEqual([...after.keys()].filter((path) => path.includes(".tmp")), [], "no temporary files are left");
  });

  test("a rewritten public file gets the mode a new one gets: the umask applies to both", async (t) => {
    const dir = await outputDir(t);
    const previous = process.umask(0o077);
    t.after(() => void process.umask(previous));
    await writeOutputTree(dir, outputFiles(FIRST));
    await writeOutputTree(dir, outputFiles({ ...FIRST, "hosts/etcd-1/user-data": "one, again\n" }));
    for (const path of ["hosts/etcd-1/meta-data", "hosts/etcd-2/meta-data", MANIFEST]) assert.equal((await stat(join(dir, path))).mode & 0o777, 0o600, path);
  });

  for (const umask of [0o000, 0o022, 0o277]) {
    test(`umask ${umask.toString(8).padStart(3, "0")}: a file that carries a key is exactly 0600 in a folder exactly 0700, new or updated`, async (t) => {
      const dir = await outputDir(t);
      const previous = process.umask(umask);
      t.after(() => void process.umask(previous));
      const publicFile = 0o644 & ~umask;
      const publicFolder = 0o777 & ~umask;
      const expectModes = async (when: string) => {
        for (const host of ["etcd-1", "etcd-2"]) {
          assert.equal(await modeOf(dir, `hosts/${host}/user-data`), 0o600, `${when}: ${host}/user-data`);
          assert.equal(await modeOf(dir, `hosts/${host}/meta-data`), publicFile, `${when}: ${host}/meta-data`);
          assert.equal(await modeOf(dir, `hosts/${host}`), 0o700, `${when}: hosts/${host}`);
        }
        for (const path of ["ca.crt", MANIFEST]) assert.equal(await modeOf(dir, path), publicFile, `${when}: ${path}`);
        for (const folder of ["", "hosts"]) assert.equal(await modeOf(dir, folder), publicFolder, `${when}: folder "${folder}"`);
      };
      await writeOutputTree(dir, outputFiles(FIRST));
      await expectModes("new");
      await writeOutputTree(dir, outputFiles({ ...FIRST, "hosts/etcd-1/user-data": "one, again\n", "hosts/etcd-3/user-data": "three\n" }));
      await expectModes("updated");
      assert.equal(await modeOf(dir, "hosts/etcd-3"), 0o700, "a host folder added by an update");
    });
  }

  test("output of an older build (user-data 0644 in a 0755 folder) is tightened; nothing else is rewritten", async (t) => {
    const dir = await outputDir(t);
    await writeOutputTree(dir, outputFiles(FIRST));
    await chmod(join(dir, "hosts/etcd-1/user-data"), 0o644);
    await chmod(join(dir, "hosts/etcd-2"), 0o755);
    const before = await fileIdentities(dir);
    await tick();
    const result = await writeOutputTree(dir, outputFiles(FIRST));
    assert.deepEqual(result, { changed: true, written: ["hosts/etcd-1/user-data"], removed: [] });
    assert.equal(await modeOf(dir, "hosts/etcd-1/user-data"), 0o600);
    assert.equal(await modeOf(dir, "hosts/etcd-2"), 0o700);
    assert.deepEqual(rewritten(before, await fileIdentities(dir)), ["hosts/etcd-1/user-data"]);
    assert.deepEqual(await writeOutputTree(dir, outputFiles(FIRST)), { changed: false, written: [], removed: [] }, "then it is up to date");
  });

  test("a write that fails midway leaves the previous folder exactly as it was, and no staging folder", async (t) => {
    const dir = await outputDir(t);
    await writeOutputTree(dir, outputFiles(FIRST));
    const before = await fileIdentities(dir);
    // "hosts/etcd-1" cannot be both a folder and a file: the staging tree fails to build after other files went in.
    const impossible = [...outputFiles({ ...FIRST, "hosts/etcd-2/user-data": "two, renumbered\n" }), { path: "hosts/etcd-1/user-data/x", content: "x", secret: false, sha256: sha256Hex("x") }];
    await assert.rejects(writeOutputTree(dir, impossible), (error: NodeJS.ErrnoException) => typeof error.code === "string");
    assert.deepEqual(await fileIdentities(dir), before);
    assert.equal(await read(dir, "hosts/etcd-2/user-data"), "two\n");
    assert.deepEqual(await readdir(join(dir, "..")), ["lab"]);
  });

  test("an output folder reached through a symbolic link: the folder it leads to is updated, the link stays", async (t) => {
    const dir = await outputDir(t);
    const real = join(dir, "..", "published-lab");
    await writeOutputTree(real, outputFiles(FIRST));
    await symlink(real, dir);
    await writeOutputTree(dir, outputFiles({ ...FIRST, "ca.crt": "CA, renewed\n" }));
    assert.ok((await lstat(dir)).isSymbolicLink());
    assert.equal(await read(real, "ca.crt"), "CA, renewed\n");
    assert.deepEqual((await readdir(join(dir, ".."))).sort(), ["lab", "published-lab"]);
  });

  test("a run killed between moving the old folder aside and the new one in: the next run puts the old one back, then updates it", async (t) => {
    const dir = await outputDir(t);
    await writeOutputTree(dir, outputFiles(FIRST));
    const deadPid = await pidOfFinishedProcess();
    await rename(dir, `${dir}.etcdboot-old-${deadPid}`);
    await mkdir(`${dir}.etcdboot-new-${deadPid}/hosts`, { recursive: true });
    const result = await writeOutputTree(dir, outputFiles({ ...FIRST, "ca.crt": "CA, renewed\n" }));
    assert.deepEqual(result, { changed: true, written: ["ca.crt", MANIFEST], removed: [] }, "an update of the old folder, not a fresh one");
    assert.equal(await read(dir, "ca.crt"), "CA, renewed\n");
    assert.deepEqual(await readdir(join(dir, "..")), ["lab"], "the leftovers are gone");
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
