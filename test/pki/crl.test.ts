// The CRL (src/pki/crl.ts), judged by openssl: signed by the CA, the retired serials on it and
// nothing else, and the same bytes again while nothing changed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { readCertificate } from "../../src/pki/certificates.js";
import { revocationList, serialsToRevoke, type RetiredSerial } from "../../src/pki/crl.js";
import { clientProfile, hostProfile } from "../../src/pki/profiles.js";
import type { KeyAlgorithm } from "../../src/pki/types.js";
import { DAY_MS, FIXED_NOW, makeCa, makeLeaf, openssl, opensslStatus, temporaryDirectory, writeTextFile } from "./helpers.js";

const retiredOf = (certPem: string): RetiredSerial => {
  const cert = readCertificate(certPem);
  return { serial: cert.serial, notAfter: cert.notAfter };
};

/** openssl's reading of the CRL: verified against the CA (at the injected clock), and the serials it lists. */
async function opensslView(dir: string, caPem: string, crlPem: string, at = FIXED_NOW) {
  const caPath = await writeTextFile(dir, "ca.crt", caPem);
  const crlPath = await writeTextFile(dir, "crl.pem", crlPem);
  const verified = opensslStatus("crl", "-verify", "-noout", "-in", crlPath, "-CAfile", caPath);
  const text = openssl("crl", "-noout", "-text", "-in", crlPath);
  const serials = [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => (m[1] ?? "").toLowerCase()).sort();
  // A chain check with the CRL in force, as a verifier that honours it would do it.
  const chain = (certPath: string) => opensslStatus("verify", "-crl_check", "-attime", String(Math.floor(at.getTime() / 1000)), "-CAfile", caPath, "-CRLfile", crlPath, certPath);
  return { verified, text, serials, chain, crlPath };
}

describe("CRL", () => {
  for (const algorithm of ["ecdsa-p256", "rsa-2048"] as const satisfies KeyAlgorithm[]) {
    test(`${algorithm}: empty when nothing is retired, yet signed and valid; openssl verifies it against the CA`, async (t) => {
      const dir = await temporaryDirectory(t);
      const ca = await makeCa(algorithm, { O: "Acme" });
      const crl = await revocationList({ ca, retired: [], now: FIXED_NOW, previousDer: undefined });
      const view = await opensslView(dir, ca.cert.pem, crl.pem);
      assert.equal(view.verified.status, 0, view.verified.output);
      assert.match(view.verified.output, /verify OK/);
      assert.match(view.text, /No Revoked Certificates/);
      assert.match(view.text, /Version 2/);
      assert.match(view.text, /CRL Number: \s*1\b/);
      assert.match(view.text, /Authority Key Identifier/);
      assert.deepEqual(Buffer.from(openssl("crl", "-in", view.crlPath, "-outform", "PEM")), Buffer.from(crl.pem), "PEM as openssl writes it");
      assert.ok(crl.pem.includes(crl.der.toString("base64").slice(0, 64)), "the PEM armours the DER");
    });
  }

  test("lists exactly the retired serials; openssl then refuses those certificates and accepts the others", async (t) => {
    const dir = await temporaryDirectory(t);
    const ca = await makeCa("ecdsa-p256", { O: "Acme" });
    const removed = await makeLeaf(ca, hostProfile({ name: "etcd-3", dnsNames: [], ipAddresses: ["10.0.0.3"] }, {}));
    const client = await makeLeaf(ca, clientProfile("app", {}));
    const kept = await makeLeaf(ca, hostProfile({ name: "etcd-1", dnsNames: [], ipAddresses: ["10.0.0.1"] }, {}));
    const crl = await revocationList({ ca, retired: [retiredOf(removed.certPem), retiredOf(client.certPem)], now: FIXED_NOW, previousDer: undefined });
    const view = await opensslView(dir, ca.cert.pem, crl.pem, new Date(FIXED_NOW.getTime() + DAY_MS));
    assert.equal(view.verified.status, 0, view.verified.output);
    assert.deepEqual(view.serials, [retiredOf(removed.certPem).serial, retiredOf(client.certPem).serial].sort());
    const refused = view.chain(await writeTextFile(dir, "removed.crt", removed.certPem));
    assert.notEqual(refused.status, 0);
    assert.match(refused.output, /certificate revoked/);
    const accepted = view.chain(await writeTextFile(dir, "kept.crt", kept.certPem));
    assert.equal(accepted.status, 0, accepted.output);
  });

  test("an unchanged set of serials gives the previous CRL byte for byte, even days later", async () => {
    const ca = await makeCa("ecdsa-p256", { O: "Acme" });
    const leaf = await makeLeaf(ca, clientProfile("app", {}));
    const first = await revocationList({ ca, retired: [retiredOf(leaf.certPem)], now: FIXED_NOW, previousDer: undefined });
    const later = new Date(FIXED_NOW.getTime() + 40 * DAY_MS);
    const again = await revocationList({ ca, retired: [retiredOf(leaf.certPem), retiredOf(leaf.certPem)], now: later, previousDer: first.der });
    assert.deepEqual(again.der, first.der);
    assert.equal(again.pem, first.pem);
  });

  test("a changed set makes a new CRL: the number goes up, entries already listed keep their revocation date", async (t) => {
    const dir = await temporaryDirectory(t);
    const ca = await makeCa("ecdsa-p256", { O: "Acme" });
    const [a, b] = await Promise.all([makeLeaf(ca, clientProfile("a", {})), makeLeaf(ca, clientProfile("b", {}))]);
    const first = await revocationList({ ca, retired: [retiredOf(a.certPem)], now: FIXED_NOW, previousDer: undefined });
    const later = new Date(FIXED_NOW.getTime() + 10 * DAY_MS);
    const second = await revocationList({ ca, retired: [retiredOf(a.certPem), retiredOf(b.certPem)], now: later, previousDer: first.der });
    assert.notDeepEqual(second.der, first.der);
    const text = (await opensslView(dir, ca.cert.pem, second.pem)).text;
    assert.match(text, /CRL Number: \s*2\b/);
    const dateOf = (serial: string) => new RegExp(`Serial Number: ${serial.toUpperCase()}\\s+Revocation Date: ([^\\n]+)`).exec(text)?.[1];
    assert.equal(dateOf(retiredOf(a.certPem).serial), "Feb 28 12:00:00 2025 GMT", "a's date from the first CRL (backdated a day, like certificates)");
    assert.equal(dateOf(retiredOf(b.certPem).serial), "Mar 10 12:00:00 2025 GMT");
  });

  test("a CRL of another CA, or damaged bytes, is not kept but replaced by a valid one", async (t) => {
    const dir = await temporaryDirectory(t);
    const [ca, other] = await Promise.all([makeCa("ecdsa-p256", { O: "Acme" }), makeCa("ecdsa-p256", { O: "Acme" })]);
    const foreign = await revocationList({ ca: other, retired: [], now: FIXED_NOW, previousDer: undefined });
    for (const previousDer of [foreign.der, Buffer.from("not a CRL"), Buffer.concat([foreign.der, Buffer.of(0)])]) {
      const crl = await revocationList({ ca, retired: [], now: FIXED_NOW, previousDer });
      assert.notDeepEqual(crl.der, previousDer);
      assert.equal((await opensslView(dir, ca.cert.pem, crl.pem)).verified.status, 0);
    }
  });

  test("nextUpdate is the CA's end: the CRL never goes stale on hosts that only get it with a rebuild", async (t) => {
    const dir = await temporaryDirectory(t);
    const ca = await makeCa("ecdsa-p256", { O: "Acme" });
    const crl = await revocationList({ ca, retired: [], now: FIXED_NOW, previousDer: undefined });
    const text = (await opensslView(dir, ca.cert.pem, crl.pem)).text;
    const nextUpdate = new Date(/Next Update: ([^\n]+)/.exec(text)?.[1] ?? "");
    assert.equal(nextUpdate.getTime(), ca.cert.notAfter.getTime());
  });

  test("expired certificates drop off; serials are compared without case or sign byte", () => {
    const now = FIXED_NOW;
    const retired: RetiredSerial[] = [
      { serial: "0A1B", notAfter: new Date(now.getTime() + DAY_MS) },
      { serial: "0a1b", notAfter: new Date(now.getTime() + DAY_MS) },
      { serial: "0080ff", notAfter: new Date(now.getTime() + DAY_MS) },
      { serial: "77", notAfter: new Date(now.getTime() - 1000) },
    ];
    assert.deepEqual(serialsToRevoke(retired, now), ["0a1b", "80ff"]);
  });

  test("a serial with its high bit set (made by another tool) stays positive on the CRL", async (t) => {
    const dir = await temporaryDirectory(t);
    const ca = await makeCa("ecdsa-p256", { O: "Acme" });
    const crl = await revocationList({ ca, retired: [{ serial: "80ff", notAfter: new Date(FIXED_NOW.getTime() + DAY_MS) }], now: FIXED_NOW, previousDer: undefined });
    assert.deepEqual((await opensslView(dir, ca.cert.pem, crl.pem)).serials, ["80ff"]);
  });
});
