import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { readCertificate, type CertificateAuthority } from "../../src/pki/certificates.js";
import { generateKeyPair } from "../../src/pki/keys.js";
import { clientProfile, hostProfile, type LeafProfile } from "../../src/pki/profiles.js";
import { reissueReason, renewalWindowMs, type ExistingLeaf, type WantedLeaf } from "../../src/pki/reuse.js";
import type { HostIdentity, KeyAlgorithm } from "../../src/pki/types.js";
import { DAY_MS, FIXED_NOW, makeCa, makeLeaf } from "./helpers.js";

const subject = { O: "Acme" };
const host: HostIdentity = { name: "etcd-1", dnsNames: ["etcd-1.example.com"], ipAddresses: ["10.0.0.1", "fd00::1"] };

const newCa = (algorithm: KeyAlgorithm = "ecdsa-p256") => makeCa(algorithm, subject);

async function issued(ca: CertificateAuthority, profile: LeafProfile, algorithm: KeyAlgorithm = "ecdsa-p256"): Promise<ExistingLeaf> {
  const { certPem, key } = await makeLeaf(ca, profile, algorithm);
  return { cert: readCertificate(certPem), key };
}

function wanted(ca: CertificateAuthority, profile: LeafProfile, overrides: Partial<WantedLeaf> = {}): WantedLeaf {
  return { caCert: ca.cert, algorithm: "ecdsa-p256", profile, now: FIXED_NOW, validityDays: 365, ...overrides };
}

describe("reissueReason", async () => {
  const ca = await newCa();
  const profile = hostProfile(host, subject);
  const existing = await issued(ca, profile);

  test("nothing changed: keep", () => {
    assert.equal(reissueReason(existing, wanted(ca, profile)), undefined);
  });

  test("the same names in another order are the same names", async () => {
    const reordered = hostProfile({ ...host, ipAddresses: ["fd00:0::1", "10.0.0.1"] }, subject);
    assert.equal(reissueReason(existing, wanted(ca, reordered)), undefined);
  });

  test("signed by another CA", async () => {
    assert.equal(reissueReason(existing, wanted(await newCa(), profile)), "other CA");
    // An ECDSA signature checked against an RSA CA key is "other CA" too, not an error.
    assert.equal(reissueReason(existing, wanted(await newCa("rsa-2048"), profile)), "other CA");
  });

  test("key type or size differs from the request", async () => {
    assert.equal(reissueReason(existing, wanted(ca, profile, { algorithm: "rsa-2048" })), "algorithm changed");
    const rsa = await issued(ca, profile, "rsa-2048");
    assert.equal(reissueReason(rsa, wanted(ca, profile, { algorithm: "rsa-4096" })), "algorithm changed");
  });

  test("SANs differ: an address added, a DNS name removed", async () => {
    const moreAddresses = hostProfile({ ...host, ipAddresses: [...host.ipAddresses, "10.0.0.9"] }, subject);
    assert.equal(reissueReason(existing, wanted(ca, moreAddresses)), "names changed");
    const fewerNames = hostProfile({ ...host, dnsNames: [] }, subject);
    assert.equal(reissueReason(existing, wanted(ca, fewerNames)), "names changed");
  });

  test("client CN differs", async () => {
    const admin = await issued(ca, clientProfile("admin", subject));
    assert.equal(reissueReason(admin, wanted(ca, clientProfile("admin", subject))), undefined);
    assert.equal(reissueReason(admin, wanted(ca, clientProfile("root", subject))), "names changed");
  });

  test("subject fields differ", async () => {
    assert.equal(reissueReason(existing, wanted(ca, hostProfile(host, { O: "Other" }))), "names changed");
  });

  test("expires soon: less than min(30 days, validity / 3) left", async () => {
    const notAfter = existing.cert.notAfter.getTime();
    const at = (msLeft: number) => wanted(ca, profile, { now: new Date(notAfter - msLeft) });
    assert.equal(renewalWindowMs(365), 30 * DAY_MS);
    assert.equal(reissueReason(existing, at(30 * DAY_MS)), undefined);
    assert.equal(reissueReason(existing, at(30 * DAY_MS - 1000)), "expires soon");
    // Short-lived certificates: a third of the lifetime.
    assert.equal(renewalWindowMs(30), 10 * DAY_MS);
    const shortLived = (msLeft: number) => ({ ...at(msLeft), validityDays: 30 });
    assert.equal(reissueReason(existing, shortLived(11 * DAY_MS)), undefined);
    assert.equal(reissueReason(existing, shortLived(9 * DAY_MS)), "expires soon");
  });

  test("a key that is not the certificate's: there is no certificate for it yet", async () => {
    const otherKey = await generateKeyPair("ecdsa-p256");
    assert.equal(reissueReason({ ...existing, key: otherKey }, wanted(ca, profile)), "new");
  });
});
