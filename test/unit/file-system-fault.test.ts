// The one table from file-system error codes to words: what a user reads instead of a stack trace.

import assert from "node:assert/strict";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { fileSystemFaultMessage } from "../../src/cli/file-system-fault.js";
import { main } from "../../src/cli/main.js";
import { FIXED_NOW, tempDir } from "../support.js";

const caught = (promise: Promise<unknown>) => promise.then(() => assert.fail("expected it to fail"), (error: unknown) => error);

test("real errors from Node: one line with the path (both, for a rename), the words, the code and a fix", async () => {
  const dir = await tempDir("fs-fault");
  await mkdir(join(dir, "folder"));
  await writeFile(join(dir, "file"), "x");
  assert.equal(
    fileSystemFaultMessage(await caught(writeFile(join(dir, "folder"), "x"))),
    `${join(dir, "folder")}: is a folder, where a file was expected (EISDIR in open): move the folder aside`,
  );
  // Node names no path when the open succeeded and the read failed: the words still stand alone.
  assert.equal(fileSystemFaultMessage(await caught(readFile(join(dir, "folder")))), "is a folder, where a file was expected (EISDIR in read): move the folder aside");
  assert.match(fileSystemFaultMessage(await caught(writeFile(join(dir, "file", "inside"), "x"))) ?? "", /file\/inside: part of the path is a file, where a folder was expected \(ENOTDIR in open\)/);
  assert.match(fileSystemFaultMessage(await caught(rename(join(dir, "gone"), join(dir, "to")))) ?? "", /gone → .*to: no such file or folder \(ENOENT in rename\)/);
});

test("anything that is not a file-system error is left to the caller (an internal error stays one)", () => {
  assert.equal(fileSystemFaultMessage(new TypeError("x is undefined")), undefined);
  assert.equal(fileSystemFaultMessage(Object.assign(new Error("odd"), { code: "ERR_SOMETHING_ELSE" })), undefined);
  assert.equal(fileSystemFaultMessage("ENOSPC"), undefined);
});

test("the CLI: a file-system error is exit 1 and one line, never 'internal error'", async () => {
  const dir = await tempDir("fs-fault");
  const spec = join(dir, "cluster.yaml");
  await mkdir(spec); // a folder where the spec file should be
  const err: string[] = [];
  const code = await main(["build", spec], { out: () => {}, err: (t) => err.push(t), now: () => FIXED_NOW });
  assert.equal(code === 1 || code === 2, true, err.join("\n"));
  assert.doesNotMatch(err.join("\n"), /internal error/);
  assert.equal(err.join("\n").split("\n").length, 1, err.join("\n"));
});
