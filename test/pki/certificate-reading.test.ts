// What readCertificate refuses: anything that is not one DER certificate as RFC 5280 has it
// (each case once damaged the hand-written reader this one replaced), and files too large to be one.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { Certificate, Extension, Extensions } from "@peculiar/asn1-x509";
import { createCa, issueCertificate, readCertificate, MAX_CERTIFICATE_PEM_BYTES } from "../../src/pki/certificates.js";
import { generateKeyPair, signingKeyOf } from "../../src/pki/keys.js";
import { caCommonName, clientProfile, subjectName } from "../../src/pki/profiles.js";
import { ensurePki } from "../../src/pki/ensure-pki.js";
import { UserError } from "../../src/errors.js";
import { FIXED_NOW, makeCa, openssl, pkiRequest, temporaryDirectory, writeTextFile } from "./helpers.js";

const pemOf = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`;
const derOf = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");

async function caDer(): Promise<Buffer> {
  return derOf((await makeCa("ecdsa-p256", { C: "DE" })).cert.pem);
}

/** The certificate with its extensions replaced (the signature is left as it was: reading comes before verifying). */
function withExtensions(der: Buffer, change: (extensions: Extension[]) => Extension[]): Buffer {
  const cert = AsnConvert.parse(der, Certificate);
  cert.tbsCertificate.extensions = new Extensions(change(Array.from(cert.tbsCertificate.extensions ?? [])));
  return Buffer.from(AsnConvert.serialize(cert));
}

describe("reading certificates", () => {
  test("a well-formed certificate reads; the same after any of the edits below is refused", async () => {
    const der = await caDer();
    assert.equal(readCertificate(pemOf(der)).der.length, der.length);
    assert.equal(readCertificate(pemOf(withExtensions(der, (list) => list))).der.length, der.length, "a re-encoding without change still reads");
  });

  test("trailing bytes after the certificate are refused", async () => {
    const der = await caDer();
    assert.throws(() => readCertificate(pemOf(Buffer.concat([der, Buffer.from([0x05, 0x00])]))), /not DER/);
  });

  test("a length in long form where the short or a shorter one fits is refused", async () => {
    const der = await caDer();
    assert.equal(der[1], 0x82, "the outer SEQUENCE has a two-byte length");
    // 30 82 LL LL → 30 83 00 LL LL: the same length, one byte longer than DER allows.
    const padded = Buffer.concat([Buffer.from([0x30, 0x83, 0x00]), der.subarray(2)]);
    assert.throws(() => readCertificate(pemOf(padded)));
  });

  test("a serial number tagged as OCTET STRING is refused", async () => {
    const der = await caDer();
    const serialAt = 4 + 4 + 5; // outer header, TBS header, version [0]
    assert.equal(der[serialAt], 0x02, "the serial INTEGER starts there");
    const edited = Buffer.from(der);
    edited[serialAt] = 0x04;
    assert.throws(() => readCertificate(pemOf(edited)));
  });

  test("an OID with a padded arc (55 1d 80 11, which a lax reader takes for the SAN's 2.5.29.17) is refused", async () => {
    const der = withExtensions(await caDer(), (list) => [...list, new Extension({ extnID: "2.5.29.4000", extnValue: new OctetString(Buffer.from([0x30, 0x00])) })]);
    const placeholder = Buffer.from("0604551d9f20", "hex"); // 2.5.29.4000: arc 4000 is 9f 20
    const at = der.indexOf(placeholder);
    assert.ok(at > 0);
    const edited = Buffer.from(der);
    Buffer.from("0604551d8011", "hex").copy(edited, at);
    assert.throws(() => readCertificate(pemOf(edited)));
  });

  test("an arc beyond 2^53 is never misread: such a certificate is read with that OID exactly, or refused", async () => {
    const big = "2.5.29.18446744073709551633"; // 2^64 + 17: as a double it loses its last digits
    const der = withExtensions(await caDer(), (list) => [...list, new Extension({ extnID: big, extnValue: new OctetString(Buffer.from([0x30, 0x00])) })]);
    let read;
    try {
      read = readCertificate(pemOf(der));
    } catch (error) {
      assert.match((error as Error).message, /not DER/); // the parser's number did not encode back to the same bytes
      return;
    }
    assert.ok(read.extensionValues.has(big), `read as ${[...read.extensionValues.keys()].join(", ")}`);
  });

  test("an extension present twice is refused (RFC 5280 4.2)", async () => {
    const der = withExtensions(await caDer(), (list) => [...list, list[0]!]);
    assert.throws(() => readCertificate(pemOf(der)), /appears twice/);
  });

  test("a critical extension TLS clients do not understand is refused", async () => {
    const der = withExtensions(await caDer(), (list) => [...list, new Extension({ extnID: "1.3.6.1.4.1.99999.1", critical: true, extnValue: new OctetString(Buffer.from([0x05, 0x00])) })]);
    assert.throws(() => readCertificate(pemOf(der)), /critical extension 1\.3\.6\.1\.4\.1\.99999\.1/);
  });

  test("a 4 MB certificate file is refused before it is parsed, at once", async () => {
    const der = await caDer();
    const huge = pemOf(Buffer.concat([der, Buffer.alloc(3 * 1024 * 1024)]));
    assert.ok(huge.length > MAX_CERTIFICATE_PEM_BYTES);
    const started = performance.now();
    assert.throws(() => readCertificate(huge), /more than a certificate file can be/);
    assert.ok(performance.now() - started < 50, "refused without parsing");
  });

  test("a 4 MB ca.crt in the PKI folder: a UserError naming it, no key made", async (t) => {
    const dir = await temporaryDirectory(t);
    const req = pkiRequest(dir);
    await ensurePki(req);
    await writeTextFile(dir, "ca.crt", "A".repeat(4 * 1024 * 1024));
    await assert.rejects(ensurePki(req), (error: Error) => error instanceof UserError && error.message.includes(`${dir}/ca.crt`) && /too large/.test(error.message));
  });
});

describe("subject limits", () => {
  test("the CA's common name stays within 64 characters (RFC 5280), even for a 63-character cluster name", async (t) => {
    const cluster = `c${"x".repeat(61)}1`;
    assert.equal(cluster.length, 63);
    assert.equal(caCommonName("edge"), "edge etcd CA");
    assert.equal(caCommonName(cluster), cluster);
    const dir = await temporaryDirectory(t);
    const { pki } = await ensurePki(pkiRequest(dir, { cluster }));
    const path = await writeTextFile(dir, "check.crt", pki.caCertPem);
    assert.match(openssl("x509", "-in", path, "-noout", "-subject"), new RegExp(`CN = ${cluster}$`, "m"));
  });

  test("C is encoded as a PrintableString", async (t) => {
    const key = await generateKeyPair("ecdsa-p256");
    const pem = await createCa({ subject: subjectName("demo etcd CA", { C: "DE", O: "Ä" }), spki: key.spki, signingKey: signingKeyOf(key.pem), now: FIXED_NOW, validityDays: 10 });
    const path = await writeTextFile(await temporaryDirectory(t), "ca.crt", pem);
    assert.match(openssl("asn1parse", "-in", path), /:countryName\n.*PRINTABLESTRING\s+:DE/);
  });
});

test("the end date issueCertificate reports is the one the certificate holds, for a clock with milliseconds and a CA that caps it", async () => {
  const ca = await makeCa("ecdsa-p256", {});
  const key = await generateKeyPair("ecdsa-p256");
  for (const [now, validityDays] of [[new Date("2025-03-01T12:00:00.789Z"), 30], [FIXED_NOW, 365 * 20]] as const) {
    const issued = await issueCertificate({ ca, profile: clientProfile("admin", {}), spki: key.spki, algorithm: "ecdsa-p256", now, validityDays });
    assert.deepEqual(issued.notAfter, readCertificate(issued.pem).notAfter);
  }
});
