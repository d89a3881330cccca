import assert from "node:assert/strict";
import { test } from "node:test";
import { ReleaseError } from "../../src/release/errors.js";
import { parseSha256Sums } from "../../src/release/sha256sums.js";

const A = "a".repeat(64);
const B = "0123456789abcdef".repeat(4);
const SOURCE = "https://mirror.example/v3.6.14/SHA256SUMS";

test("parseSha256Sums reads text- and binary-mode lines, skips empty lines, lower-cases the hex", () => {
  const cases: Array<{ name: string; text: string; expected: Array<[string, string]> }> = [
    { name: "empty file", text: "", expected: [] },
    { name: "text mode", text: `${A}  etcd-v3.6.14-linux-amd64.tar.gz\n`, expected: [["etcd-v3.6.14-linux-amd64.tar.gz", A]] },
    { name: "binary mode", text: `${B} *etcd-v3.6.14-linux-arm64.tar.gz\n`, expected: [["etcd-v3.6.14-linux-arm64.tar.gz", B]] },
    { name: "upper-case hex", text: `${B.toUpperCase()}  x.zip`, expected: [["x.zip", B]] },
    { name: "blank lines and CRLF", text: `\n${A}  a.tar.gz\r\n\r\n${B}  b.tar.gz\n\n`, expected: [["a.tar.gz", A], ["b.tar.gz", B]] },
    { name: "same entry twice with the same sum", text: `${A}  a.tar.gz\n${A.toUpperCase()}  a.tar.gz\n`, expected: [["a.tar.gz", A]] },
    { name: "names with spaces", text: `${A}  a file.tar.gz\n`, expected: [["a file.tar.gz", A]] },
  ];
  for (const { name, text, expected } of cases) assert.deepEqual([...parseSha256Sums(text, SOURCE)], expected, name);
});

test("parseSha256Sums refuses malformed lines, naming the source and the line number", () => {
  const cases: Array<{ name: string; text: string; error: RegExp }> = [
    { name: "short hex", text: `${A}  a.tar.gz\n${"b".repeat(63)}  b.tar.gz\n`, error: /SHA256SUMS line 2: the checksum is not 64 hex digits/ },
    { name: "long hex", text: `${A}0  a.tar.gz\n`, error: /line 1: the checksum is not 64 hex digits/ },
    { name: "not hex", text: `${"g".repeat(64)}  a.tar.gz\n`, error: /line 1: the checksum is not 64 hex digits/ },
    { name: "one space", text: `\n\n${A} a.tar.gz\n`, error: /line 3: the checksum and the file name must be separated by two spaces or " \*"/ },
    { name: "a tab", text: `${A}\ta.tar.gz\n`, error: /line 1: the checksum and the file name must be separated/ },
    { name: "no name", text: `${A}  \n`, error: /line 1: no file name after the checksum/ },
    { name: "HTML instead of sums", text: "<html><body>Not Found</body></html>\n", error: /line 1: the checksum is not 64 hex digits: "<html>/ },
    { name: "whitespace-only line", text: `${A}  a.tar.gz\n   \n`, error: /line 2: / },
    { name: "duplicate with another sum", text: `${A}  a.tar.gz\n${B}  b.tar.gz\n${B}  a.tar.gz\n`, error: /line 3: a\.tar\.gz is listed again with a different checksum \(first on line 1\)/ },
  ];
  for (const { name, text, error } of cases) {
    assert.throws(() => parseSha256Sums(text, SOURCE), (e: unknown) => {
      assert.ok(e instanceof ReleaseError, name);
      assert.ok(e.message.startsWith(`${SOURCE} line `), `${name}: ${e.message}`);
      assert.match(e.message, error, name);
      return true;
    });
  }
});
