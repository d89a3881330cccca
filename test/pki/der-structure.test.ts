// The DER structure of every kind of certificate etcdboot writes, as `openssl asn1parse` prints
// it, compared with copies in test/pki/structure/ made by the earlier hand-written encoder: the
// library that encodes them now must write the same structure, types, values and order. Only
// what differs per run is masked: the serial number and the key identifiers (keys are made per
// run); keys and signatures are BIT STRINGs, which asn1parse does not print. The clock is fixed.
// UPDATE_STRUCTURE=1 rewrites the copies (only when the output is meant to change).
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { createCa, issueCertificate, readCertificate, type CertificateAuthority } from "../../src/pki/certificates.js";
import { generateKeyPair, signingKeyOf } from "../../src/pki/keys.js";
import { clientProfile, hostProfile, subjectName } from "../../src/pki/profiles.js";
import type { KeyAlgorithm } from "../../src/pki/types.js";
import { REPO } from "../support.js";
import { FIXED_NOW, makeCa, makeLeaf, openssl, opensslStatus, temporaryDirectory, writeTextFile } from "./helpers.js";

const STRUCTURE = join(REPO, "test", "pki", "structure");
// Every attribute, one of them not printable (UTF8String); a short cluster name and a long one.
const subject = { C: "DE", ST: "Berlin", L: "Berlin", O: "Acmé GmbH", OU: "Platform" };
const host = { name: "etcd-1", dnsNames: ["etcd-1.example.com"], ipAddresses: ["10.0.0.1", "fd00::1"] };

/** asn1parse's lines without offsets and lengths (a shorter serial shifts them), the serial and key identifiers masked. */
export function structureOf(certPath: string): string {
  const lines = openssl("asn1parse", "-i", "-in", certPath).trimEnd().split("\n");
  let serialSeen = false;
  let keyIdNext = false;
  return lines
    .map((line) => {
      let text = line.replace(/^\s*\d+:d=(\d+)\s+hl=\s*\d+\s+l=\s*\d+\s+/, "d=$1 ").replace(/\s+$/, "");
      if (!serialSeen && /^d=2 prim:\s+INTEGER\s+:/.test(text)) {
        serialSeen = true;
        text = text.replace(/:[0-9A-F]+$/, ":<serial>");
      }
      if (keyIdNext && /OCTET STRING\s+\[HEX DUMP\]:/.test(text)) {
        text = text.replace(/[0-9A-F]{40}$/, "<key id>");
        keyIdNext = false;
      }
      if (/:X509v3 (Subject|Authority) Key Identifier$/.test(text)) keyIdNext = true;
      return text;
    })
    .join("\n")
    .concat("\n");
}

async function assertStructure(name: string, certPath: string): Promise<void> {
  const actual = structureOf(certPath);
  const copy = join(STRUCTURE, `${name}.txt`);
  if (process.env.UPDATE_STRUCTURE === "1") await writeFile(copy, actual);
  assert.equal(actual, await readFile(copy, "utf8"), `${name}: the DER structure differs from ${copy}`);
}

for (const algorithm of ["ecdsa-p256", "rsa-2048"] as const satisfies KeyAlgorithm[]) {
  test(`${algorithm}: CA, host and client certificates have the DER structure of the earlier encoder and pass openssl verify -x509_strict`, async (t) => {
    const dir = await temporaryDirectory(t);
    const ca: CertificateAuthority = await makeCa(algorithm, subject);
    const hostLeaf = await makeLeaf(ca, hostProfile(host, subject), algorithm);
    const clientLeaf = await makeLeaf(ca, clientProfile("admin", { C: "DE" }), algorithm);
    const caPath = await writeTextFile(dir, "ca.crt", ca.cert.pem);
    const leafPaths = [await writeTextFile(dir, "host.crt", hostLeaf.certPem), await writeTextFile(dir, "client.crt", clientLeaf.certPem)];
    await assertStructure(`${algorithm}-ca`, caPath);
    await assertStructure(`${algorithm}-host`, leafPaths[0]!);
    await assertStructure(`${algorithm}-client`, leafPaths[1]!);
    for (const path of [caPath, ...leafPaths]) {
      const strict = opensslStatus("verify", "-x509_strict", "-attime", String(FIXED_NOW.getTime() / 1000), "-CAfile", caPath, path);
      assert.equal(strict.status, 0, `openssl verify -x509_strict ${path}: ${strict.output}`);
    }
  });
}

test("a CA valid past 2049 (GeneralizedTime) and a leaf it caps have the DER structure of the earlier encoder", async (t) => {
  const dir = await temporaryDirectory(t);
  const key = await generateKeyPair("ecdsa-p256");
  const signingKey = signingKeyOf(key.pem);
  const caPem = await createCa({ subject: subjectName("a-cluster-name-of-forty-characters-long etcd CA", {}), spki: key.spki, signingKey, now: FIXED_NOW, validityDays: 365 * 30 });
  const ca: CertificateAuthority = { cert: readCertificate(caPem), signingKey };
  const leafKey = await generateKeyPair("ecdsa-p256");
  const { pem: leafPem } = await issueCertificate({ ca, profile: hostProfile(host, {}), spki: leafKey.spki, algorithm: "ecdsa-p256", now: FIXED_NOW, validityDays: 365 * 40 });
  await assertStructure("ecdsa-p256-ca-2055", await writeTextFile(dir, "ca.crt", caPem));
  await assertStructure("ecdsa-p256-host-2055", await writeTextFile(dir, "host.crt", leafPem));
});
