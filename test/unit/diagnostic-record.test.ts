// build --check --json splits a problem's message into what is wrong and how to fix it, at the
// first ": " outside quotes (a quoted value may hold ": " itself).

import assert from "node:assert/strict";
import { test } from "node:test";
import { splitFix } from "../../src/spec/diagnostics.js";

test("message and fix: split at the first separator outside quotes; none when there is no fix", () => {
  assert.deepEqual(splitFix(`"2 Gb" is not a size: write bytes or a number with KiB, MiB or GiB, e.g. 2GiB`), {
    message: `"2 Gb" is not a size`,
    fix: "write bytes or a number with KiB, MiB or GiB, e.g. 2GiB",
  });
  assert.deepEqual(splitFix(`"a: b" is not a host name: use letters, digits and -`), { message: `"a: b" is not a host name`, fix: "use letters, digits and -" });
  assert.deepEqual(splitFix(`"say \\"x: y\\"" is odd: fix it`), { message: `"say \\"x: y\\"" is odd`, fix: "fix it" });
  assert.deepEqual(splitFix("2 members tolerate no more failures than 1: an odd count is the usual choice"), {
    message: "2 members tolerate no more failures than 1",
    fix: "an odd count is the usual choice",
  });
  assert.deepEqual(splitFix("etcd needs at least one host"), { message: "etcd needs at least one host", fix: null });
  assert.deepEqual(splitFix("ends with a colon: "), { message: "ends with a colon: ", fix: null });
});
