// mkdir -p of our own: nested folders with their mode, existing ones left alone, and an error —
// not Node's endless loop — where the file system answers ENOENT for a parent that exists (/proc).

import assert from "node:assert/strict";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { makeFolders } from "../../src/write/make-folders.js";
import { tempDir } from "../support.js";

test("makes the missing folders with the mode, and leaves an existing one alone", async () => {
  const dir = await tempDir("make-folders");
  await mkdir(join(dir, "kept"), { mode: 0o755 });
  const previousUmask = process.umask(0);
  try {
    await makeFolders(join(dir, "kept", "a", "b", "c"), 0o700);
    await makeFolders(join(dir, "kept", "a", "b", "c"), 0o700); // again: nothing to do, no error
  } finally {
    process.umask(previousUmask);
  }
  assert.equal((await stat(join(dir, "kept"))).mode & 0o777, 0o755);
  for (const folder of ["a", "a/b", "a/b/c"]) assert.equal((await stat(join(dir, "kept", folder))).mode & 0o777, 0o700, folder);
});

test("a file in the way is an error (ENOTDIR), and so is a parent the file system says is missing (/proc)", async () => {
  const dir = await tempDir("make-folders");
  await writeFile(join(dir, "file"), "");
  await assert.rejects(makeFolders(join(dir, "file", "sub")), { code: "ENOTDIR" });
  await assert.rejects(makeFolders(join(dir, "file")), { code: "ENOTDIR", path: join(dir, "file") });
  // Node's recursive mkdir spins for ever here.
  await assert.rejects(makeFolders("/proc/etcdboot-no-such/sub"), { code: "ENOENT" });
});
