// Certificate subject fields from the spec (ST, L, O, OU) may hold quotes, $(), ;, {a,b}, %, # and
// non-ASCII: the validator lets them through (X.509 has no syntax to break) and refuses control
// characters. Each accepted value comes back from openssl exactly as written, in its own attribute.

import assert from "node:assert/strict";
import { test } from "node:test";
import { assembleSpec } from "../../src/spec/load-spec.js";
import { loadProfiles } from "../../src/spec/profiles.js";
import { makeCa, openssl, temporaryDirectory, writeTextFile } from "./helpers.js";
import { toYaml } from "../../src/encoders/yaml.js";

const profiles = await loadProfiles();

const VALUES = ["Example 'Org'", 'say "hi"', "$(id) `id`", "a;b {a,b} 100%", "#1 \\ backslash", "Zürich-é", "北京 日本", " leading and trailing "];

/** The subject as openssl prints it one attribute per line (multiline, UTF-8 unescaped; a backslash still comes out doubled): long name → value. */
function opensslSubject(certFile: string): Map<string, string> {
  const text = openssl("x509", "-in", certFile, "-noout", "-subject", "-nameopt", "multiline,utf8,-esc_msb");
  return new Map([...text.matchAll(/^ {4}(\w+) *= (.*)$/gm)].map((m) => [m[1] as string, (m[2] as string).replaceAll("\\\\", "\\")]));
}

test("subject fields with shell and format characters reach the certificate exactly, each in its attribute", async (t) => {
  const dir = await temporaryDirectory(t);
  for (const [i, value] of VALUES.entries()) {
    const subject = { C: "CN", ST: value, O: value, OU: `${value} ops` };
    const text = toYaml({ apiVersion: "etcdboot/v1alpha1", cluster: { name: "lab" }, tls: { subject }, hosts: [{ name: "etcd-1", address: "10.0.0.1" }] });
    const result = assembleSpec("cluster.yaml", text, profiles);
    assert.ok(result.ok, `${JSON.stringify(value)} should be accepted`);
    if (!result.ok) continue;
    const ca = await makeCa("ecdsa-p256", result.spec.tls.subject);
    const file = await writeTextFile(dir, `ca-${i}.crt`, ca.cert.pem);
    const read = opensslSubject(file);
    assert.deepEqual(
      [read.get("countryName"), read.get("stateOrProvinceName"), read.get("organizationName"), read.get("organizationalUnitName"), read.get("commonName")],
      ["CN", value, value, `${value} ops`, "demo etcd CA"],
    );
  }
});

test("a control character in a subject field is refused at that field", () => {
  for (const value of ["a\nb", "a\rb", "a\u0000b", "a\u001b[31m", "a\u0085b"]) {
    const text = toYaml({ apiVersion: "etcdboot/v1alpha1", cluster: { name: "lab" }, tls: { subject: { L: value } }, hosts: [{ name: "etcd-1", address: "10.0.0.1" }] });
    const result = assembleSpec("cluster.yaml", text, profiles);
    assert.ok(!result.ok && result.diagnostics.some((d) => d.path.join(".") === "tls.subject.L"), `${JSON.stringify(value)} should be refused at tls.subject.L`);
  }
});
