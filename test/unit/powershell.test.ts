// etcdctl.env.ps1: PowerShell's verbatim strings, checked against the language's own grammar
// (about_Quoting_Rules; the PowerShell spec, §2.3.5.2: a verbatim string ends at a single-quote
// character — ' or U+2018, U+2019, U+201A, U+201B — unless another follows, which stands for
// one). No pwsh on the test machine: the reader below implements that grammar, independently of
// the escaping function, and reads every generated file back.

import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { powershellEnvAssignment, powershellString } from "../../src/escape/powershell.js";
import { runCli, tempDir } from "../support.js";

const QUOTE_CHARACTERS = new Set(["'", "\u2018", "\u2019", "\u201a", "\u201b"]);

/** Reads a verbatim string starting at text[start] (a quote character); returns its value and the index after it. */
function readVerbatim(text: string, start: number): { value: string; end: number } {
  assert.ok(QUOTE_CHARACTERS.has(text[start] ?? ""), `a verbatim string starts with a quote at ${start}`);
  let value = "";
  for (let i = start + 1; i < text.length; i++) {
    const char = text[i] as string;
    if (!QUOTE_CHARACTERS.has(char)) value += char;
    else if (QUOTE_CHARACTERS.has(text[i + 1] ?? "")) value += char, i++;
    else return { value, end: i + 1 };
  }
  throw new Error("unterminated verbatim string");
}

/** A file of "# comment" lines and `$env:NAME = '…'` statements → the variables it sets; anything else fails. */
function readEnvScript(text: string): Map<string, string> {
  const variables = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    if (text[i] === "\n") {
      i++;
      continue;
    }
    if (text[i] === "#") {
      assert.notEqual(text[i + 1], ">", "no block comment end");
      i = text.indexOf("\n", i) < 0 ? text.length : text.indexOf("\n", i);
      continue;
    }
    const head = /^\$env:([A-Za-z_][A-Za-z0-9_]*) = /.exec(text.slice(i));
    assert.ok(head, `a statement other than $env:NAME = '…' at ${JSON.stringify(text.slice(i, i + 40))}`);
    const { value, end } = readVerbatim(text, i + head[0].length);
    variables.set(head[1] as string, value);
    assert.ok(end === text.length || text[end] === "\n", `the statement ends after its string: ${JSON.stringify(text.slice(end, end + 20))}`);
    i = end;
  }
  return variables;
}

const HOSTILE = ["plain", "", "it's", "''", "'", "\u2018smart\u2019", "\u201a\u201b", "$(Remove-Item C:\\)", "`n`$x", "$env:PATH", "a;b|c&d", "line\nbreak", "cr\r\nlf", "@'\n'@", "#<", "C:\\Users\\Ünïcödé\\pki", "${x}", '"double"'];

describe("PowerShell verbatim strings", () => {
  test("every value reads back as itself", () => {
    for (const value of HOSTILE) {
      const { value: read, end } = readVerbatim(powershellString(value), 0);
      assert.equal(read, value);
      assert.equal(end, powershellString(value).length, `${JSON.stringify(value)}: the string ends where it should`);
    }
  });

  test("negative control: the reader refuses a quote written once, or a second statement on the line", () => {
    assert.throws(() => readEnvScript("$env:A = 'it's'\n"));
    assert.throws(() => readEnvScript("$env:A = 'x\u2019; Remove-Item y; '\n"));
    assert.throws(() => readEnvScript("$env:A = 'x'; Remove-Item y\n"));
  });

  test("assignments: only plain variable names", () => {
    assert.equal(powershellEnvAssignment("ETCDCTL_API", "3"), "$env:ETCDCTL_API = '3'");
    for (const name of ["A B", "A;B", "", "1A", "A-B", "$A"]) assert.throws(() => powershellEnvAssignment(name, "x"));
  });

  test("a build with hostile --pki folders writes an etcdctl.env.ps1 that sets exactly those paths", async () => {
    const root = await tempDir("ps1");
    const specFile = join(root, "cluster.yaml");
    await writeFile(specFile, "apiVersion: etcdboot/v1alpha1\ncluster: {name: ps}\nhosts:\n  - {name: etcd-1, address: 10.0.0.1}\n  - {name: etcd-2, address: 'fd00::2'}\n");
    for (const [i, atom] of ["'", "\u2019", "$(id)", "`", "\n", "' ; Remove-Item x ; '", "#"].entries()) {
      const pkiRoot = join(root, `pki-${i}${atom}x`);
      const outRoot = join(root, `out-${i}`);
      const result = await runCli(["build", specFile, "--pki", pkiRoot, "--out", outRoot, "--offline", "--quiet"]);
      assert.equal(result.code, 0, result.err);
      const variables = readEnvScript(await readFile(join(outRoot, "ps", "etcdctl.env.ps1"), "utf8"));
      const pkiDir = join(pkiRoot, "ps");
      assert.deepEqual(Object.fromEntries(variables), {
        ETCDCTL_API: "3",
        ETCDCTL_ENDPOINTS: "https://10.0.0.1:2379,https://[fd00::2]:2379",
        ETCDCTL_CACERT: join(pkiDir, "ca.crt"),
        ETCDCTL_CERT: join(pkiDir, "clients", "admin.crt"),
        ETCDCTL_KEY: join(pkiDir, "clients", "admin.key"),
      });
    }
  });
});
