// plan --diff's unified diffs: GNU patch applies them to the old text and gets the new one;
// key material and binaries are reported by their change alone.

import assert from "node:assert/strict";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runCommand } from "../harness/exec.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { fileDiff, unifiedHunks } from "../../src/state/file-diff.js";
import { pemArmour, tempDir } from "../support.js";

/** A deterministic sequence of pseudo-random numbers (a fixed seed: the same cases every run). */
function numbers(seed: number): () => number {
  let state = seed;
  return () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
}

function edited(lines: string[], random: () => number): string[] {
  const out = [...lines];
  for (let edits = 1 + Math.floor(random() * 6); edits > 0; edits--) {
    const at = Math.floor(random() * (out.length + 1));
    const what = random();
    if (what < 0.33) out.splice(at, 1);
    else if (what < 0.66) out.splice(at, 0, `inserted ${Math.floor(random() * 1000)}`);
    else out.splice(at, 1, `replaced ${Math.floor(random() * 1000)}`);
  }
  return out;
}

describe("plan --diff", () => {
  test("GNU patch applies every diff to the old text and gets the new one", async (t) => {
    if (!requirePrerequisites(t, { commands: ["patch"] })) return;
    const dir = await tempDir("file-diff");
    t.after(() => rm(dir, { recursive: true, force: true }));
    const random = numbers(15);
    const base = Array.from({ length: 40 }, (_, i) => `line ${i % 7} of the file`);
    const cases: [string, string][] = [
      ["", "one\ntwo\n"],
      ["one\ntwo\n", ""],
      ["a\nb\nc\n", "a\nB\nc\n"],
      ...Array.from({ length: 40 }, (): [string, string] => [`${base.join("\n")}\n`, `${edited(base, random).join("\n")}\n`]),
    ];
    for (const [before, after] of cases) {
      const file = join(dir, "file");
      await writeFile(file, before);
      await writeFile(join(dir, "diff"), `--- a/file\n+++ b/file\n${unifiedHunks(before, after).join("\n")}\n`);
      const applied = await runCommand(["patch", "--quiet", "--force", "--fuzz=0", file, join(dir, "diff")]);
      assert.equal(applied.code, 0, `${applied.stdout}${applied.stderr}`);
      assert.equal(await readFile(file, "utf8"), after);
    }
  });

  test("unchanged text has no hunks; a one-line change keeps 3 lines of context", () => {
    assert.deepEqual(unifiedHunks("a\nb\n", "a\nb\n"), []);
    const before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    assert.deepEqual(unifiedHunks(before, before.replace("5", "five")), ["@@ -2,7 +2,7 @@", " 2", " 3", " 4", "-5", "+five", " 6", " 7", " 8"]);
  });

  test("a private key is never shown: a secret file, or any text with key armour; binaries by their change", () => {
    const key = pemArmour("c2VjcmV0IGtleSBtYXRlcmlhbA==");
    const shown = [
      fileDiff("/etc/etcd/pki/member.key", { content: "OLD-KEY", secret: true }, { content: "NEW-KEY", secret: true }),
      fileDiff("/etc/x.conf", { content: `a\n${key}`, secret: false }, { content: "a\n", secret: false }),
      fileDiff("/etc/x.conf", undefined, { content: key, secret: false }),
    ].flat().join("\n");
    assert.doesNotMatch(shown, /c2VjcmV0|PRIVATE KEY|OLD-KEY|NEW-KEY/);
    assert.match(shown, /\(holds a private key: contents not shown\)/);
    assert.deepEqual(fileDiff("/usr/local/bin/etcd", { content: new Uint8Array([0, 1, 255]), secret: false }, { content: new Uint8Array([0, 2, 255]), secret: false }), [
      "--- a/usr/local/bin/etcd",
      "+++ b/usr/local/bin/etcd",
      "(binary file: contents differ)",
    ]);
    assert.deepEqual(fileDiff("/etc/new", undefined, { content: "x\n", secret: false }), ["--- /dev/null", "+++ b/etc/new", "@@ -0,0 +1,1 @@", "+x"]);
  });
});
