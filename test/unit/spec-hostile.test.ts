// Hostile YAML: each kind is refused fast with a position, never a stack trace, never the whole
// input echoed; printing is linear in the input and capped. Bounds are generous for a loaded
// 2-core machine yet far below what the quadratic or unbounded versions took (minutes, or never).

import assert from "node:assert/strict";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { EXCERPT_WIDTH, formatDiagnostic, formatDiagnostics, MAX_PRINTED_DIAGNOSTICS, type Diagnostic, type SourceText } from "../../src/spec/diagnostics.js";
import { assembleSpec } from "../../src/spec/load-spec.js";
import { MAX_ALIASES, MAX_NESTING_DEPTH, MAX_SPEC_BYTES, MAX_VALUES } from "../../src/spec/parse-yaml.js";
import { loadProfiles } from "../../src/spec/profiles.js";
import { runCli, tempDir } from "../support.js";

const profiles = await loadProfiles();

const HEADER = "apiVersion: etcdboot/v1alpha1\ncluster: {name: lab}\n";
const HOSTS = "hosts:\n  - {name: etcd-1, address: 10.0.0.1}\n";

/** The spec refused, what was printed, and how long reading and printing took. */
function refuse(text: string): { diagnostics: Diagnostic[]; source: SourceText; lines: string[]; ms: number } {
  const started = performance.now();
  const result = assembleSpec("cluster.yaml", text, profiles);
  assert.equal(result.ok, false, "the spec should be refused");
  if (result.ok) throw new Error("unreachable");
  const lines = formatDiagnostics(result.source, result.diagnostics);
  return { diagnostics: result.diagnostics, source: result.source, lines, ms: performance.now() - started };
}

/** Every printed source line is at most an excerpt wide (plus the "…" marks and the gutter). */
function assertExcerptsShort(lines: string[]): void {
  for (const line of lines.flatMap((l) => l.split("\n"))) assert.ok(line.length < EXCERPT_WIDTH + 400, `a printed line of ${line.length} characters`);
}

/** The character the caret points at in the printed excerpt. */
function caretTarget(printed: string): string {
  const [, excerpt = "", caretLine = ""] = printed.split("\n");
  const column = caretLine.indexOf("^");
  return excerpt[column] ?? "";
}

const billionLaughs = [
  "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
  "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
  "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]",
  "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]",
  "h: [*g, *g, *g, *g, *g, *g, *g, *g, *g]",
].join("\n");

describe("hostile YAML", () => {
  test("an alias bomb is refused at the alias where its expansion passes the bound (the first *e)", () => {
    const { lines, ms } = refuse(`${HEADER}${billionLaughs}\n${HOSTS}`);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? "", /^cluster\.yaml:8:8: error: \(top level\): the aliases \(\*name\) up to here stand for more than 100000 values: write the values out/);
    assert.equal(caretTarget(lines[0] ?? ""), "*");
    assert.ok(ms < 2000, `${ms} ms`);
  });

  test("an anchor shared by many hosts is fine: aliases are bounded by what they expand to, not by reuse", () => {
    const hosts = Array.from({ length: 301 }, (_, i) => {
      const network = i === 0 ? "&net {prefix: 16, gateway: 10.0.255.254}" : "*net";
      return `  - {name: etcd-${i}, address: 10.0.${Math.floor(i / 250)}.${(i % 250) + 1}, network: ${network}}\n`;
    });
    const result = assembleSpec("cluster.yaml", `${HEADER}hosts:\n${hosts.join("")}`, profiles);
    assert.ok(result.ok, result.ok ? "" : formatDiagnostics(result.source, result.diagnostics).join("\n"));
    assert.equal(result.spec.hosts.filter((host) => host.network?.gateway === "10.0.255.254").length, 301);
  });

  test("an anchor given again later does not hide what an earlier alias expands to", () => {
    const big = `[${Array.from({ length: 2000 }, (_, i) => i).join(", ")}]`;
    const { lines } = refuse(`${HEADER}a: &x ${big}\nb: &y [${"*x, ".repeat(39)}*x]\nc: &x small\nd: [${"*y, ".repeat(9)}*y]\n${HOSTS}`);
    assert.match(lines[0] ?? "", /^cluster\.yaml:6:5: error: \(top level\): the aliases \(\*name\) up to here stand for more than 100000 values/);
  });

  test("an alias inside its own anchor is refused, not expanded for ever", () => {
    const { lines } = refuse(`${HEADER}x: &a [1, *a]\n${HOSTS}`);
    assert.match(lines[0] ?? "", /^cluster\.yaml:3:11: error: .*aliases/);
  });

  test("an alias to no anchor, and keys that are no field names, are refused where they stand", () => {
    assert.deepEqual(refuse(`${HEADER}hosts: *nope\n`).lines, [
      "cluster.yaml:3:8: error: (top level): the alias *nope names no anchor before it: write &nope on the value it stands for, above this line\n  3 | hosts: *nope\n    |        ^",
    ]);
    for (const key of ["? [a]\n: 1", "? {a: 1}\n: 1", "x: &k [a]\n? *k\n: 1"]) {
      const { lines } = refuse(`${HEADER}${key}\n${HOSTS}`);
      assert.match(lines[0] ?? "", /^cluster\.yaml:\d+:3: error: \(top level\): a key here is a list, a mapping or an alias/, key);
    }
    const { lines } = refuse(`${HEADER}"a\\nb": 1\n"${"k".repeat(500)}": 2\n${HOSTS}`);
    assert.match(lines[0] ?? "", /^cluster\.yaml:3:1: error: \["a\\nb"\]: unknown field "a\\nb"/);
    assert.match(lines[1] ?? "", /^cluster\.yaml:4:1: error: \["k{59}…" \(502 characters\)\]: unknown field "k{59}…" \(502 characters\)/);
  });

  test("too many aliases are refused at the first one past the bound", () => {
    const { lines, ms } = refuse(`${HEADER}x: &a 1\ny: [${"*a, ".repeat(MAX_ALIASES)}*a]\n${HOSTS}`);
    assert.match(lines[0] ?? "", new RegExp(`^cluster\\.yaml:4:${5 + 4 * MAX_ALIASES}: error: \\(top level\\): more than ${MAX_ALIASES} aliases`));
    assert.ok(ms < 5000, `${ms} ms`);
  });

  test("deep nesting is refused at the first node too deep, before any recursive step runs", () => {
    for (const [name, text, column] of [
      ["flow sequences", `x: ${"[".repeat(40_000)}${"]".repeat(40_000)}`, 4 + MAX_NESTING_DEPTH],
      ["flow mappings", `x: ${"{a: ".repeat(20_000)}1${"}".repeat(20_000)}`, 1 + 4 * MAX_NESTING_DEPTH],
    ] as const) {
      const { lines, ms } = refuse(`${HEADER}${text}\n${HOSTS}`);
      assert.equal(lines.length, 1, name);
      assert.match(lines[0] ?? "", new RegExp(`^cluster\\.yaml:3:${column}: error: \\(top level\\): nested more than ${MAX_NESTING_DEPTH} levels deep here`), name);
      assertExcerptsShort(lines);
      assert.ok(ms < 5000, `${name}: ${ms} ms`);
    }
    const block = Array.from({ length: 100 }, (_, depth) => `${"  ".repeat(depth)}k:`).join("\n");
    const { lines } = refuse(`${HEADER}${block} 1\n${HOSTS}`);
    assert.match(lines[0] ?? "", new RegExp(`^cluster\\.yaml:${3 + MAX_NESTING_DEPTH}:${2 * MAX_NESTING_DEPTH + 1}: error: .*nested more than`));
  });

  test("a second YAML document is refused where it starts", () => {
    const { lines } = refuse(`${HEADER}${HOSTS}---\nhosts: []\n`);
    assert.deepEqual(lines, ["cluster.yaml:5:1: error: (top level): a spec is one YAML document: remove the second one, which starts here (and its --- line)\n  5 | ---\n    | ^"]);
  });

  test("a spec over the size bound is refused before it is parsed, its first line cut", () => {
    const text = `${HEADER.replace("\n", " ".repeat(7_000_000))}${HOSTS}`;
    const { lines, ms } = refuse(text);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? "", /^cluster\.yaml:1:1: error: \(top level\): the spec is 6\.7 MiB, more than the 1\.0 MiB etcdboot reads/);
    assertExcerptsShort(lines);
    assert.ok(ms < 2000, `${ms} ms`);
    assert.equal(MAX_SPEC_BYTES, 2 ** 20);
  });

  test("a one-line JSON spec is quoted and shown only around its error", () => {
    const huge = "9".repeat(MAX_SPEC_BYTES - 1000);
    const text = JSON.stringify({ apiVersion: "etcdboot/v1alpha1", cluster: { name: "lab" }, hosts: [{ name: "etcd-1", address: huge }] });
    const { lines } = refuse(text);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? "", /^cluster\.yaml:1:\d+: error: hosts\[0\]\.address: "9{59}…" \(\d+ characters\) is not an IP address/);
    assertExcerptsShort(lines);
    assert.equal(caretTarget(lines[0] ?? ""), '"');
  });

  test("the caret stays under the value when a long line is cut on both sides", () => {
    const padding = `x: "${"p".repeat(500)}", `;
    const text = `${HEADER}hosts: [{${padding.replace("x:", "note:")}name: etcd-1, address: 10.0.0.x, colour: ${"r".repeat(500)}}]\n`;
    const result = assembleSpec("cluster.yaml", text, profiles);
    assert.equal(result.ok, false);
    if (result.ok) return;
    const printed = result.diagnostics.map((d) => formatDiagnostic(result.source, d));
    const address = printed.find((p) => p.includes("hosts[0].address")) ?? "";
    const [, excerpt = ""] = address.split("\n");
    assert.ok(excerpt.startsWith("  3 | …") && excerpt.endsWith("…"), excerpt);
    assert.ok(excerpt.length <= "  3 | ".length + EXCERPT_WIDTH + 2, excerpt);
    assert.equal(caretTarget(address), "1");
    assert.ok(address.split("\n")[1]?.includes("address: 10.0.0.x"));
  });

  test("100000 problems: read and printed in linear time, the first 50 shown, then how many more", () => {
    // Each {} lacks a name and an address: two problems per three characters.
    const text = `${HEADER}hosts: [${"{}, ".repeat(49_999)}{}]\n`;
    const { diagnostics, source, lines, ms } = refuse(text);
    assert.equal(diagnostics.length, 100_000);
    assert.equal(lines.length, MAX_PRINTED_DIAGNOSTICS + 1);
    assert.equal(lines.at(-1), `… and ${100_000 - MAX_PRINTED_DIAGNOSTICS} more`);
    assert.ok(ms < 30_000, `${ms} ms`);
    // Printing every one of them is linear too: line starts are found once, not per problem.
    const started = performance.now();
    const all = formatDiagnostics(source, diagnostics, Infinity);
    assert.equal(all.length, 100_000);
    assert.ok(performance.now() - started < 10_000, `${performance.now() - started} ms to print all`);
  });

  test("repeated keys are found in one pass, not by comparing each key with every other (45000 keys: minutes before)", () => {
    const { diagnostics, lines, ms } = refuse(`${HEADER}hosts: [{${"a: 1, ".repeat(44_999)}a: 1}]\n`);
    assert.equal(diagnostics.length, 44_999);
    assert.match(lines[0] ?? "", /^cluster\.yaml:3:16: error: \(top level\): YAML: Map keys must be unique: "a" is given earlier in this mapping; remove one/);
    assert.ok(ms < 20_000, `${ms} ms`);
    const distinct = refuse(`${HEADER}hosts: [{${Array.from({ length: 45_000 }, (_, i) => `k${i}: 1`).join(", ")}}]\n`);
    assert.equal(distinct.diagnostics.length, 45_002);
    assert.ok(distinct.ms < 20_000, `${distinct.ms} ms`);
  });

  test("more values than a spec can hold are refused where the bound is passed", () => {
    const { lines, ms } = refuse(`${HEADER}hosts: [${"1,".repeat(MAX_VALUES + 10)}1]\n`);
    assert.match(lines[0] ?? "", new RegExp(`^cluster\\.yaml:3:\\d+: error: \\(top level\\): the spec holds more than ${MAX_VALUES} values`));
    assert.ok(ms < 20_000, `${ms} ms`);
  });
});

describe("etcdboot build on a hostile or unworkable spec", () => {
  const specs: [string, string, RegExp][] = [
    ["alias bomb", `${HEADER}${billionLaughs}\n${HOSTS}`, /cluster\.yaml:8:8: error: .*aliases/],
    ["deep nesting", `${HEADER}x: ${"[".repeat(40_000)}${"]".repeat(40_000)}\n${HOSTS}`, /cluster\.yaml:3:68: error: .*nested more than 64 levels/],
    ["two documents", `${HEADER}${HOSTS}---\n${HEADER}`, /cluster\.yaml:5:1: error: .*a spec is one YAML document/],
    ["too large", `${HEADER}${HOSTS}# ${"x".repeat(6_000_000)}\n`, /cluster\.yaml:1:1: error: .*the spec is 5\.7 MiB/],
    ["client port = peer port", `${HEADER}etcd: {clientPort: 2390, peerPort: 2390}\n${HOSTS}`, /cluster\.yaml:3:36: error: etcd\.peerPort/],
    ["no clients", `${HEADER}${HOSTS}clients: []\n`, /cluster\.yaml:5:10: error: clients: .*at least one client/],
  ];
  for (const [name, text, says] of specs)
    test(`${name}: exit 2, file:line:col, no stack trace, nothing written`, async () => {
      const dir = await tempDir("hostile");
      const file = join(dir, "cluster.yaml");
      await writeFile(file, text);
      const { code, err, out } = await runCli(["build", file, "--out", join(dir, "output"), "--pki", join(dir, "pki")]);
      assert.equal(code, 2, err);
      assert.match(err, says);
      assert.doesNotMatch(err, /internal error|this is a bug|\n\s+at /);
      assert.ok(err.length < 2000, `${err.length} characters printed`);
      assert.equal(out, "");
      assert.deepEqual(await readdir(dir), ["cluster.yaml"]);
    });
});
