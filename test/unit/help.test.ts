// Every help text (top level, each command, each members action) fits 80 columns, and in each
// options list the descriptions, and their continuation lines, start in one column.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HELP, MEMBER_HELP } from "../../src/cli/help.js";
import { runCli } from "../support.js";

const WIDTH = 80;

/** Each help as the CLI prints it, with the arguments that print it. */
const HELP_CALLS: string[][] = [
  ["--help"],
  ...Object.keys(HELP).filter((name) => name !== "main").map((name) => [name, "--help"]),
  ...Object.keys(MEMBER_HELP).map((action) => ["members", action, "--help"]),
];

/** The column where an option line's description starts (after the option and 2+ spaces). */
function descriptionColumn(line: string): number | undefined {
  const match = /^( {2}-\S*(?: [^ ]\S*)*? {2,})\S/.exec(line) ?? /^( {2}[a-z]\S*(?: [A-Z]\S*)* {2,})\S/.exec(line);
  return match?.[1]?.length;
}

describe("help texts", () => {
  for (const argv of HELP_CALLS) {
    test(`etcdboot ${argv.join(" ")}: exit 0, at most ${WIDTH} columns, options aligned`, async () => {
      const result = await runCli(argv);
      assert.equal(result.code, 0, result.err);
      const lines = result.out.split("\n");
      assert.ok(lines.length > 3, "a real help text");
      for (const line of lines) assert.ok([...line].length <= WIDTH, `${[...line].length} columns: ${line}`);
      const options = lines.slice(lines.indexOf("Options:") + 1);
      assert.ok(lines.includes("Options:"), "has an options list");
      const columns = new Set<number>();
      for (const line of options) {
        if (line === "") break;
        const column = descriptionColumn(line);
        if (column !== undefined) columns.add(column);
        else if (/^ {2}-\S*(?: \S+)*$/.test(line)) continue; // an option too long to share its line: the description follows
        else columns.add(/^ */.exec(line)?.[0].length ?? 0); // a continuation line
      }
      assert.equal(columns.size, 1, `one description column in:\n${options.join("\n")}`);
    });
  }

  test("the members subcommands each have their own help, and `members --help` the overview", async () => {
    const overview = (await runCli(["members", "--help"])).out;
    for (const action of Object.keys(MEMBER_HELP)) {
      const own = (await runCli(["members", action, "--help"])).out;
      assert.match(own, new RegExp(`^Usage: etcdboot members ${action} HOST`));
      assert.notEqual(own, overview);
    }
  });
});
