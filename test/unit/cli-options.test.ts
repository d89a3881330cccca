// Mistyped commands, options and actions: one clean line, exit 2, with the closest known word
// when there is one close enough — never parseArgs' own text.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { closestWord, editDistance } from "../../src/cli/suggest.js";
import { runCli } from "../support.js";

describe("did you mean", () => {
  test("edit distance counts inserts, deletes and substitutions", () => {
    assert.equal(editDistance("", "out"), 3);
    assert.equal(editDistance("--ot", "--out"), 1);
    assert.equal(editDistance("kitten", "sitting"), 3);
    assert.equal(editDistance("build", "build"), 0);
  });

  test("the closest word when it is a plausible typo or a unique prefix; nothing for unrelated words", () => {
    assert.equal(closestWord("buidl", ["init", "build", "pin"]), "build");
    assert.equal(closestWord("snap", ["snapshot", "status"]), "snapshot");
    assert.equal(closestWord("st", ["status", "stop"]), undefined, "an ambiguous prefix, too short for a typo");
    assert.equal(closestWord("deploy", ["init", "build", "pin", "plan"]), undefined);
  });

  const cases: { argv: string[]; says: string }[] = [
    { argv: ["buld"], says: `etcdboot: unknown command "buld" (did you mean build?): use one of` },
    { argv: ["--verison"], says: `etcdboot: unknown command "--verison" (did you mean --version?)` },
    { argv: ["build", "--ot", "x"], says: "etcdboot build: unknown option --ot (did you mean --out?)" },
    { argv: ["plan", "--exitcode"], says: "etcdboot plan: unknown option --exitcode (did you mean --exit-code?)" },
    { argv: ["status", "--jsno"], says: "etcdboot status: unknown option --jsno (did you mean --json?)" },
    { argv: ["build", "--frobnicate"], says: "etcdboot build: unknown option --frobnicate (etcdboot build --help)" },
    { argv: ["build", "-x"], says: "etcdboot build: unknown option -x (etcdboot build --help)" },
    { argv: ["build", "--out"], says: "etcdboot build: --out needs a value: write --out VALUE" },
    { argv: ["build", "--out", "--pki", "p"], says: "etcdboot build: --out needs a value" },
    { argv: ["certs", "--json=yes"], says: "etcdboot certs: --json takes no value: write just --json" },
    { argv: ["members", "promte", "a"], says: `etcdboot members: unknown action "promte" (did you mean promote?)` },
    { argv: ["snapshot", "sve"], says: `etcdboot snapshot: unknown action "sve" (did you mean save?)` },
    { argv: ["init", "a", "b"], says: `etcdboot init: unexpected argument "b"` },
  ];
  for (const { argv, says } of cases)
    test(`etcdboot ${argv.join(" ")}`, async () => {
      const result = await runCli(argv);
      assert.equal(result.code, 2);
      assert.equal(result.out, "");
      assert.ok(result.err.startsWith(says), result.err);
      assert.equal(result.err.split("\n").length, 1, "one line");
      assert.doesNotMatch(result.err, /Unknown option '|ERR_PARSE_ARGS|To specify a positional/, "not parseArgs' text");
    });
});
