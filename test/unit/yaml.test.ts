// toYaml is read back by PyYAML (cloud-init) and by go-yaml (etcd). Tricky values, alone and inside
// mappings and sequences, plus a few hundred random ones, must come back as exactly the value given:
// through PyYAML's SafeLoader (what cloud-init uses), its libyaml loader (the C library go-yaml is a
// port of) and the yaml library in 1.1 mode. Python is spawned once for every case.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseDocument } from "yaml";
import { toYaml } from "../../src/encoders/yaml.js";
import { requirePrerequisites, SYSTEM_PYTHON } from "../harness/prerequisites.js";
import { loadWithPyYaml, type Loaded } from "../harness/pyyaml.js";

const TRICKY_STRINGS = [
  // YAML 1.1 booleans and nulls, in any case
  "yes", "No", "on", "OFF", "y", "N", "true", "False", "~", "null", "Null", "",
  // spaces and indicators
  " leading", "trailing ", "a: b", "a:", ":a", "- x", "-x", "-", "? x", "?", "#x", "x #y", "x#y", "a  b", "@x", "`x", "!x", "&x", "*x", "%x",
  "|", ">", "{", "}", "[", "]", ",", "=", "<<", '"q"', "'q'", "a 'q' \"r\"", "back\\slash", "en*", "en?", "a,b", "a [b]", "https://[fd00::1]:2380",
  // numbers, dates and base-60 numbers that are strings
  "52:54:00:00:00:11", "1:20", "1:20.5", "0600", "0", "-1", "+1", "1_000", "0x1F", "0o17", "0b101", "0x1p-2", "1e3", "1E+3", "1.", ".5",
  "1.5", "e7", "E-1", ".inf", "-.INF", ".NaN", "inf", "NaN", "Infinity", "2026-11-01", "2026-11-01 12:00:00", "2026-11-01T12:00:00Z", "12:30:45",
  "10.20.0.1", "10.20.0.11/24", "0.0.0.0/0", "1h", "1d", "2001:db8::1", "::1", "fd00::1",
  // characters that are not plain text, or line breaks in YAML 1.1
  "tab\there", "\ttab", "uni ü 中文", "emoji 🦀", "\u0007", "\u0000", "\u001b[0m", "\u007f", "\u0085", "\u00a0", "\u2028", "\u2029", "\ufeff",
  "\ufffe", "cr\r", "\r",
  // multi-line: chomping, indentation, blank and space-only lines
  "line\n", "line", "a\nb", "a\n\nb\n\n", "\n", "\n\n", " \n", "x\n ", "x\n  \n", " x\n ", " x\n  \n", " x\n \n\n", " x\n \ny", "a\n\n\n", "\nx", "\n\nx\n", "\n x\n", " indented\nnext\n",
  "  two\n one\n", "crlf\r\n", "trailing space \nx\n", "\tstarts with tab\nx\n", "x\n\tthen tab\n", "\t\n", "#!/bin/sh\necho \"$1\" # ok\n",
  "a\n---\nb\n", "a\n...\n", "- a\n- b\n", "key: value\n", "a\u0085b\n", "a\u2028b\n", "bell\u0007\n", "tab\tin\n", "ü\n中文\n",
  "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
];

const TRICKY_VALUES: unknown[] = [
  ...TRICKY_STRINGS,
  0, -1, 1, 1.5, -0, 0.1, -1e-7, 5e-324, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2147483648,
  true, false, null,
  [], {}, [[]], [{}], { a: [] }, { a: {} }, [[1, [2, []]], { a: [{ b: null }] }],
  [{ name: "etcd", groups: ["a", "b"], home: { path: "/var/lib/etcd", mode: "0700" } }, [{ x: 1 }, { y: [true] }]],
];

/** Every tricky value at the top, as an item, as a value, nested, and each string also as a key. */
const CONTEXTS: unknown[] = TRICKY_VALUES.flatMap((v) => [v, [v], { k: v }, [[v], { k: [v, { k: v }] }], { a: { b: [{ c: v, d: 1 }] } }]).concat(
  TRICKY_STRINGS.map((s) => ({ [s]: s, after: 1 })),
);

/** A deterministic pseudo-random generator (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = [
  "a", "Z", "yes", "no", "on", "null", "~", "0", "1", "7", "_", ".", "e", "x", "b", "o", "-", "+", ":", "/", "#", " ", "  ", "\n", "\n\n",
  "\t", "\r", "'", '"', "\\", ",", "[", "{", "}", "?", "*", "&", "!", "|", ">", "%", "@", "`", "=", "<<", "ü", "中", "🦀", "\u0085", "\u2028", "\ufeff", "\u0001",
];

function randomValues(count: number): unknown[] {
  const next = random(20261101);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const text = () => Array.from({ length: Math.floor(next() * 7) }, () => pick(FRAGMENTS)).join("");
  const value = (depth: number): unknown => {
    const roll = next();
    if (depth < 3 && roll < 0.15) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
    if (depth < 3 && roll < 0.3) return Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, () => [text(), value(depth + 1)]));
    if (roll < 0.35) return pick([0, -3, 42, 1.25, -0.5, 2 ** 52, 3e-9, true, false, null]);
    return text();
  };
  return Array.from({ length: count }, () => value(0));
}

const CASES = [...CONTEXTS, ...randomValues(400)];


/** The yaml library in 1.1 mode, with the same markers as the Python side for what is not JSON. */
function loadWithYamlLibrary(text: string): Loaded {
  const doc = parseDocument(text, { version: "1.1" });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) return { error: problems.map((p) => p.message).join("; ") };
  const plain = (v: unknown): unknown => {
    if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [typeof k === "string" ? k : `<non-string key ${String(k)}>`, plain(x)]));
    if (Array.isArray(v)) return v.map(plain);
    if (v === null || ["string", "number", "boolean"].includes(typeof v)) return v;
    return `<${Object.prototype.toString.call(v)} ${String(v)}>`;
  };
  return { value: plain(doc.toJS({ mapAsMap: true })) };
}

/** The cases a loader did not read back as given, described for the failure message. */
function mismatches(loader: string, texts: string[], loaded: Loaded[]): string[] {
  return CASES.flatMap((value, i) => {
    const result = loaded[i];
    try {
      assert.deepStrictEqual(result, { value });
      return [];
    } catch {
      return [`${loader}: ${JSON.stringify(value)} was written as ${JSON.stringify(texts[i])} and read as ${JSON.stringify(result)}`];
    }
  });
}

describe("toYaml", () => {
  const texts = CASES.map(toYaml);

  test("PyYAML and libyaml read every case back as the value given", (t) => {
    if (!requirePrerequisites(t, { commands: [SYSTEM_PYTHON], pythonModules: ["yaml"] })) return;
    const byLoader = loadWithPyYaml(texts);
    if (!("libyaml (PyYAML CSafeLoader)" in byLoader)) t.diagnostic("PyYAML is built without libyaml: only its pure-Python loader was checked");
    const failed = Object.entries(byLoader).flatMap(([loader, loaded]) => mismatches(loader, texts, loaded));
    assert.deepEqual(failed.slice(0, 20), [], `${failed.length} of ${CASES.length} cases failed`);
  });

  test("the yaml library (1.1) reads every case back as the value given", () => {
    const failed = mismatches("yaml 1.1", texts, texts.map(loadWithYamlLibrary));
    assert.deepEqual(failed.slice(0, 20), [], `${failed.length} of ${CASES.length} cases failed`);
  });

  test("readable where it is safe: plain scalars, literal blocks for file contents", () => {
    assert.equal(
      toYaml({ hostname: "etcd-1", owner: "root:root", url: "https://10.0.0.1:2379,https://127.0.0.1:2379", run: "a && b", dns: ["10.0.0.1"], size: 2147483648, on: true }),
      "hostname: etcd-1\nowner: root:root\nurl: https://10.0.0.1:2379,https://127.0.0.1:2379\nrun: a && b\ndns:\n  - 10.0.0.1\nsize: 2147483648\n\"on\": true\n",
    );
    assert.equal(toYaml({ mac: "52:54:00:00:00:11", permissions: "0600", answer: "yes" }), 'mac: "52:54:00:00:00:11"\npermissions: "0600"\nanswer: "yes"\n');
    assert.equal(toYaml([{ content: "a\n\n  b\n" }, "x\ny", "x\n\n", " lead\n"]), "- content: |\n    a\n\n      b\n- |-\n  x\n  y\n- |+\n  x\n\n- |2\n   lead\n");
    assert.equal(toYaml("a\nb\n"), "|\n  a\n  b\n");
    assert.equal(toYaml({ a: [], b: {}, c: [[1, 2], { d: null }] }), "a: []\nb: {}\nc:\n  - - 1\n    - 2\n  - d: null\n");
    assert.equal(toYaml({ small: -1e-7, zero: -0 }), "small: -1.0e-7\nzero: -0.0\n");
  });

  test("a key whose value is undefined is left out, as the yaml library did", () => {
    assert.equal(toYaml({ a: undefined, b: 1 }), "b: 1\n");
    assert.equal(toYaml({ a: undefined }), "{}\n");
    assert.equal(toYaml([{ a: undefined }]), "- {}\n");
  });

  test("anything outside plain data is an error", () => {
    const cycle: Record<string, unknown> = {};
    cycle["self"] = cycle;
    // An integer past 2^53 has lost digits and prints in exponent form (1.07e+23): no field may reach the output so.
    for (const value of [undefined, [undefined], [, 1], NaN, Infinity, { a: -Infinity }, 2 ** 53, { quota: 1.07e23 }, -1e21, Number.MAX_VALUE, 1n, Symbol("s"), () => 1, new Map(), new Date(0), new (class Thing {})(), Buffer.from("x"), cycle, "lone \ud800 surrogate"]) {
      assert.throws(() => toYaml(value), (error: unknown) => error instanceof Error && error.constructor === Error && /^toYaml: /.test(error.message), String(value));
    }
  });
});
