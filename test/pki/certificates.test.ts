import assert from "node:assert/strict";
import { describe, test, type TestContext } from "node:test";
import "reflect-metadata"; // @peculiar/x509 needs it loaded first
import * as peculiar from "@peculiar/x509";
import { webcrypto } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createCa, isSignedBy, randomSerialNumber, readCertificate, type CertificateAuthority } from "../../src/pki/certificates.js";
import { wantedGeneralNameKeys } from "../../src/pki/names.js";
import { clientProfile, hostProfile } from "../../src/pki/profiles.js";
import type { HostIdentity, KeyAlgorithm } from "../../src/pki/types.js";
import {
  certificateDates,
  certificateExtensions,
  certificateSubject,
  DAY_MS,
  FIXED_NOW,
  makeCa,
  makeLeaf,
  openssl,
  publicKeyOfCertificate,
  publicKeyOfPrivateKey,
  temporaryDirectory,
  verifyChain,
  writeTextFile,
} from "./helpers.js";

const subject = { C: "DE", ST: "Berlin", L: "Berlin", O: "Acme", OU: "Platform" };
// Duplicates on purpose: localhost and 127.0.0.1 are always added, and only once.
const host: HostIdentity = {
  name: "etcd-1",
  dnsNames: ["etcd-1.example.com", "localhost", "etcd.example.com"],
  ipAddresses: ["10.0.0.1", "127.0.0.1", "fd00::1"],
};

const newCa = (algorithm: KeyAlgorithm = "ecdsa-p256", cluster = "demo"): Promise<CertificateAuthority> => makeCa(algorithm, subject, cluster);

/** CA, host and client certificates (and keys) of one algorithm, as files for openssl. */
async function issueAll(t: TestContext, algorithm: KeyAlgorithm) {
  const dir = await temporaryDirectory(t);
  const ca = await newCa(algorithm);
  const [hostLeaf, clientLeaf] = await Promise.all([
    makeLeaf(ca, hostProfile(host, subject), algorithm),
    makeLeaf(ca, clientProfile("admin", subject), algorithm),
  ]);
  return {
    dir,
    ca: await writeTextFile(dir, "ca.crt", ca.cert.pem),
    host: await writeTextFile(dir, "host.crt", hostLeaf.certPem),
    hostKey: await writeTextFile(dir, "host.key", hostLeaf.key.pem),
    client: await writeTextFile(dir, "client.crt", clientLeaf.certPem),
    clientKey: await writeTextFile(dir, "client.key", clientLeaf.key.pem),
  };
}

describe("certificates (checked by openssl)", () => {
  test("the CA: self-signed, CA:TRUE, may sign certificates and CRLs", async (t) => {
    const files = await issueAll(t, "ecdsa-p256");
    assert.equal(certificateSubject(files.ca), "subject=C = DE, ST = Berlin, L = Berlin, O = Acme, OU = Platform, CN = demo etcd CA");
    assert.equal(verifyChain(files.ca, files.ca).status, 0);
    const extensions = certificateExtensions(files.ca);
    assert.deepEqual(extensions.get("Basic Constraints"), { critical: true, value: "CA:TRUE, pathlen:0" });
    assert.deepEqual(extensions.get("Key Usage"), { critical: true, value: "Digital Signature, Certificate Sign, CRL Sign" });
    assert.ok(extensions.has("Subject Key Identifier"));
    const dates = certificateDates(files.ca);
    assert.equal(dates.notBefore.getTime(), FIXED_NOW.getTime() - DAY_MS);
    assert.equal(dates.notAfter.getTime(), FIXED_NOW.getTime() + 3650 * DAY_MS);
  });

  for (const algorithm of ["ecdsa-p256", "rsa-2048"] as const) {
    test(`${algorithm}: host and client certificates verify against the CA`, async (t) => {
      const files = await issueAll(t, algorithm);
      for (const cert of [files.host, files.client]) {
        const result = verifyChain(files.ca, cert);
        assert.equal(result.status, 0, result.output);
      }
      const signature = algorithm === "ecdsa-p256" ? "ecdsa-with-SHA256" : "sha256WithRSAEncryption";
      assert.match(openssl("x509", "-in", files.host, "-noout", "-text"), new RegExp(`Signature Algorithm: ${signature}`));
    });

    test(`${algorithm}: each key belongs to its certificate`, async (t) => {
      const files = await issueAll(t, algorithm);
      assert.equal(publicKeyOfPrivateKey(files.hostKey), publicKeyOfCertificate(files.host));
      assert.equal(publicKeyOfPrivateKey(files.clientKey), publicKeyOfCertificate(files.client));
      assert.notEqual(publicKeyOfPrivateKey(files.hostKey), publicKeyOfCertificate(files.client));
    });

    test(`${algorithm}: key usage is critical; keyEncipherment for RSA only`, async (t) => {
      const files = await issueAll(t, algorithm);
      const expected = algorithm === "rsa-2048" ? "Digital Signature, Key Encipherment" : "Digital Signature";
      for (const cert of [files.host, files.client]) {
        assert.deepEqual(certificateExtensions(cert).get("Key Usage"), { critical: true, value: expected });
      }
    });
  }

  test("host certificate: CN, SANs, serverAuth + clientAuth, CA:FALSE, key identifiers", async (t) => {
    const files = await issueAll(t, "ecdsa-p256");
    assert.equal(certificateSubject(files.host), "subject=C = DE, ST = Berlin, L = Berlin, O = Acme, OU = Platform, CN = etcd-1");
    const extensions = certificateExtensions(files.host);
    assert.equal(
      extensions.get("Subject Alternative Name")?.value,
      "DNS:etcd-1, DNS:etcd-1.example.com, DNS:localhost, DNS:etcd.example.com, " +
        "IP Address:10.0.0.1, IP Address:127.0.0.1, IP Address:FD00:0:0:0:0:0:0:1",
    );
    assert.equal(
      extensions.get("Extended Key Usage")?.value,
      "TLS Web Server Authentication, TLS Web Client Authentication",
    );
    assert.deepEqual(extensions.get("Basic Constraints"), { critical: true, value: "CA:FALSE" });
    assert.equal(extensions.get("Authority Key Identifier")?.value, certificateExtensions(files.ca).get("Subject Key Identifier")?.value);
    assert.ok(extensions.has("Subject Key Identifier"));
  });

  test("client certificate: CN is the user name, clientAuth only, no SANs, CA:FALSE", async (t) => {
    const files = await issueAll(t, "ecdsa-p256");
    assert.equal(certificateSubject(files.client), "subject=C = DE, ST = Berlin, L = Berlin, O = Acme, OU = Platform, CN = admin");
    const extensions = certificateExtensions(files.client);
    assert.equal(extensions.get("Extended Key Usage")?.value, "TLS Web Client Authentication");
    assert.equal(extensions.has("Subject Alternative Name"), false);
    assert.deepEqual(extensions.get("Basic Constraints"), { critical: true, value: "CA:FALSE" });
  });

  test("NotBefore is 24 hours before the injected clock, NotAfter is validityDays after it", async (t) => {
    const files = await issueAll(t, "ecdsa-p256");
    for (const cert of [files.host, files.client]) {
      assert.deepEqual(certificateDates(cert), {
        notBefore: new Date(FIXED_NOW.getTime() - DAY_MS),
        notAfter: new Date(FIXED_NOW.getTime() + 365 * DAY_MS),
      });
    }
  });

  test("a certificate from another CA does not verify", async (t) => {
    const files = await issueAll(t, "ecdsa-p256");
    const otherCa = await newCa("ecdsa-p256", "demo"); // even with the very same subject
    const otherCaPath = await writeTextFile(files.dir, "other-ca.crt", otherCa.cert.pem);
    for (const cert of [files.host, files.client]) {
      const result = verifyChain(otherCaPath, cert);
      assert.notEqual(result.status, 0);
      assert.match(result.output, /verification failed/);
    }
  });

  test("serial numbers: 16 random bytes, positive, non-zero, as openssl reads them", async (t) => {
    const serials = Array.from({ length: 200 }, randomSerialNumber);
    assert.equal(new Set(serials).size, serials.length);
    for (const serial of serials) {
      assert.match(serial, /^[0-7][0-9a-f]{31}$/);
      assert.notEqual(BigInt(`0x${serial}`), 0n);
    }
    const files = await issueAll(t, "ecdsa-p256");
    const printed = openssl("x509", "-in", files.host, "-noout", "-serial").trim().replace("serial=", "");
    assert.ok(BigInt(`0x${printed}`) > 0n);
    assert.ok(printed.length <= 32);
  });

  test("long names, non-ASCII subjects and dates after 2049 are encoded as openssl and node read them", async (t) => {
    const dir = await temporaryDirectory(t);
    const longName = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.example.com`;
    const unicodeSubject = { C: "JP", L: "東京", O: "Zürich & Co" };
    const ca = await makeCa("ecdsa-p256", unicodeSubject);
    const profile = hostProfile({ name: "etcd-1", dnsNames: [longName], ipAddresses: ["2001:db8::7"] }, unicodeSubject);
    const { certPem } = await makeLeaf(ca, profile);
    const caPath = await writeTextFile(dir, "ca.crt", ca.cert.pem);
    const path = await writeTextFile(dir, "host.crt", certPem);
    assert.equal(verifyChain(caPath, path).status, 0);
    assert.equal(
      openssl("x509", "-in", path, "-noout", "-subject", "-nameopt", "oneline,-esc_msb").trim(),
      "subject=C = JP, L = 東京, O = Zürich & Co, CN = etcd-1",
    );
    assert.match(certificateExtensions(path).get("Subject Alternative Name")?.value ?? "", new RegExp(`DNS:${longName}, `));
    const read = readCertificate(certPem);
    assert.deepEqual(read.subject, profile.subject);
    assert.deepEqual(new Set(read.subjectAltNames), new Set(wantedGeneralNameKeys(profile.subjectAltNames)));
    // A 30-year CA outlives 2049: its NotAfter is a GeneralizedTime.
    const pem2055 = await createCa({ subject: profile.subject, spki: ca.cert.spki, signingKey: ca.signingKey, now: FIXED_NOW, validityDays: 30 * 365 });
    const path2055 = await writeTextFile(dir, "ca-2055.crt", pem2055);
    assert.equal(certificateDates(path2055).notAfter.toISOString(), "2055-02-22T12:00:00.000Z");
    assert.deepEqual(readCertificate(pem2055).notAfter, certificateDates(path2055).notAfter);
  });

  test("an independent decoder (@peculiar/x509) reads the same certificate", async (t) => {
    const files = await issueAll(t, "ecdsa-p256");
    const [caPem, hostPem] = await Promise.all([readFile(files.ca, "utf8"), readFile(files.host, "utf8")]);
    const cert = new peculiar.X509Certificate(hostPem);
    const caCert = new peculiar.X509Certificate(caPem);
    assert.equal(cert.subject, "C=DE, ST=Berlin, L=Berlin, O=Acme, OU=Platform, CN=etcd-1");
    assert.equal(cert.issuer, caCert.subject);
    assert.equal(cert.serialNumber.toLowerCase(), readCertificate(hostPem).serial);
    const san = cert.getExtension(peculiar.SubjectAlternativeNameExtension)?.names.toJSON().map((n) => `${n.type}:${n.value}`);
    assert.deepEqual(san, ["dns:etcd-1", "dns:etcd-1.example.com", "dns:localhost", "dns:etcd.example.com", "ip:10.0.0.1", "ip:127.0.0.1", "ip:fd00::1"]);
    assert.equal(cert.getExtension(peculiar.BasicConstraintsExtension)?.ca, false);
    assert.deepEqual([...(cert.getExtension(peculiar.ExtendedKeyUsageExtension)?.usages ?? [])], [peculiar.ExtendedKeyUsage.serverAuth, peculiar.ExtendedKeyUsage.clientAuth]);
    peculiar.cryptoProvider.set(webcrypto as never); // its Crypto type is the DOM one
    assert.equal(await cert.verify({ publicKey: caCert.publicKey, signatureOnly: true }), true);
  });

  test("text that is no certificate, or a damaged one, is refused when read", async () => {
    assert.throws(() => readCertificate("not a certificate"));
    const { certPem } = await makeLeaf(await newCa(), clientProfile("admin", subject));
    const lines = certPem.split("\n");
    const truncated = [...lines.slice(0, 4), ...lines.slice(-2)].join("\n");
    assert.throws(() => readCertificate(truncated));
  });

  test("damaged certificates are refused, or read and then fail the signature check (so they are re-issued): 2000 random byte changes", async () => {
    const ca = await newCa();
    const { certPem } = await makeLeaf(ca, hostProfile(host, subject));
    const der = Buffer.from(certPem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64");
    let seed = 42;
    const random = (below: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % below;
    for (let round = 0; round < 2000; round++) {
      const damaged = Buffer.from(der);
      for (let flips = 1 + random(3); flips > 0; flips--) damaged[random(damaged.length)] = random(256);
      const pem = `-----BEGIN CERTIFICATE-----\n${damaged.toString("base64")}\n-----END CERTIFICATE-----\n`;
      let read;
      try {
        read = readCertificate(pem);
      } catch (error) {
        assert.ok(error instanceof Error, `round ${round}: threw ${String(error)}`);
        continue;
      }
      if (!damaged.equals(der)) assert.equal(isSignedBy(read, ca.cert), false, `round ${round}: a damaged certificate passed`);
    }
  });
});
