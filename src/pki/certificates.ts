// Making certificates: the cluster CA and the host and client certificates it signs (X.509 v3,
// RFC 5280): built as @peculiar/asn1-x509 schema objects, serialised by @peculiar/asn1-schema and
// signed by node:crypto. And reading back the facts a rebuild compares: node's X509Certificate
// (OpenSSL) checks and reads a certificate, @peculiar/asn1-x509 gives what node does not (the raw
// subject, key identifier, names and usages). No file I/O: keys and the clock come in.
import { createHash, getRandomValues, sign as signAsync, X509Certificate, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity as ValidityPeriod,
  Version,
} from "@peculiar/asn1-x509";
import { encodeGeneralNames, encodeName, generalNameKeys, readName, relativeName, type NameAttribute } from "./names.js";
import { derValue, preEncoded, preEncodedCache } from "./pre-encoded.js";
import { CA_KEY_USAGES, EXTENDED_KEY_USAGE_OIDS, leafKeyUsages, type ExtendedKeyUsage as ExtendedKeyUsageName, type KeyUsageName } from "./profiles.js";
import type { LeafProfile } from "./profiles.js";
import type { KeyAlgorithm } from "./types.js";

const sign = promisify(signAsync);

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Machines without a real-time clock (and skewed ones) boot "in the past"; a day's slack keeps certificates (and CRLs) valid for them. */
export const BACKDATE_MS = DAY_MS;

/** Whole seconds, as a certificate holds them. */
export const wholeSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);

function validityPeriod({ now, validityDays, notAfterLimit }: Validity): { notBefore: Date; notAfter: Date } {
  const wanted = now.getTime() + validityDays * DAY_MS;
  return {
    notBefore: wholeSeconds(now.getTime() - BACKDATE_MS),
    notAfter: wholeSeconds(notAfterLimit === undefined ? wanted : Math.min(wanted, notAfterLimit.getTime())),
  };
}

/**
 * 16 random bytes as hex, the first from 0x01 to 0x7f: the INTEGER is positive, never zero, and
 * minimal as it stands, so every serial is 16 bytes long (RFC 5280 4.1.2.2).
 */
export function randomSerialNumber(): string {
  const bytes = getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f || 1;
  return Buffer.from(bytes).toString("hex");
}

const SIGNATURE_ALGORITHM = {
  ecdsa: preEncoded(new AlgorithmIdentifier({ algorithm: "1.2.840.10045.4.3.2" })), // ecdsa-with-SHA256: no parameters (RFC 5758)
  rsa: preEncoded(new AlgorithmIdentifier({ algorithm: "1.2.840.113549.1.1.11", parameters: null })), // sha256WithRSAEncryption: NULL parameters (RFC 4055)
};

const KEY_USAGE_FLAGS: Record<KeyUsageName, number> = {
  digitalSignature: KeyUsageFlags.digitalSignature,
  keyEncipherment: KeyUsageFlags.keyEncipherment,
  keyCertSign: KeyUsageFlags.keyCertSign,
  crlSign: KeyUsageFlags.cRLSign,
};

export function extension(extnID: string, critical: boolean, value: object): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

// What every leaf of a kind shares, encoded once per process rather than per certificate.
const shared = preEncodedCache<Extension>();
const sharedValidity = preEncodedCache<ValidityPeriod>(10);
const sharedRdn = preEncodedCache<RelativeDistinguishedName>();
const issuerNames = new WeakMap<CertificateFacts, Name>();

/** A leaf's subject: its attributes other than CN are the same in every leaf, and encoded once. */
function leafSubject(attributes: readonly NameAttribute[]): Name {
  return new Name(attributes.map((attribute) => (attribute.type === "CN" ? relativeName(attribute) : sharedRdn(`${attribute.type}=${attribute.value}`, () => relativeName(attribute)))));
}

/** The CA's subject as read, as its leaves' (and its CRL's) issuer: encoded once per CA. */
export function issuerOf(ca: CertificateFacts): Name {
  const known = issuerNames.get(ca) ?? preEncoded(ca.subjectName);
  issuerNames.set(ca, known);
  return known;
}

function validityOf({ notBefore, notAfter }: { notBefore: Date; notAfter: Date }): ValidityPeriod {
  return sharedValidity(`${notBefore.getTime()}/${notAfter.getTime()}`, () => new ValidityPeriod({ notBefore, notAfter }));
}

/** pathLen 0: the CA signs leaf certificates only, never another CA. */
const basicConstraints = (ca: boolean) =>
  shared(`basicConstraints:${ca}`, () => extension(id_ce_basicConstraints, true, ca ? new BasicConstraints({ cA: true, pathLenConstraint: 0 }) : new BasicConstraints()));
const keyUsage = (usages: readonly KeyUsageName[]) =>
  shared(`keyUsage:${usages.join()}`, () => extension(id_ce_keyUsage, true, new KeyUsage(usages.reduce((flags, usage) => flags | KEY_USAGE_FLAGS[usage], 0))));
const extendedKeyUsage = (usages: readonly ExtendedKeyUsageName[]) =>
  shared(`extendedKeyUsage:${usages.join()}`, () => extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage(usages.map((usage) => EXTENDED_KEY_USAGE_OIDS[usage]))));
const subjectKeyIdentifier = (keyId: Buffer) => extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId));
export const authorityKeyIdentifier = (keyId: Buffer) =>
  shared(`authorityKeyIdentifier:${keyId.toString("hex")}`, () => extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyId) })));

/** The CA's key identifier as its certificate states it (a CA made by another tool may use another method), else ours. */
export const caKeyIdentifier = (ca: CertificateFacts): Buffer => ca.subjectKeyId ?? keyIdentifier(ca.spki);

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(spki: Buffer): Buffer {
  const { subjectPublicKey } = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  return createHash("sha1").update(Buffer.from(subjectPublicKey)).digest();
}

/** The fields of a TBSCertificate (RFC 5280 4.1) that differ between certificates. */
interface TbsFields {
  issuer: Name;
  validity: Validity;
  subject: Name;
  /** DER SubjectPublicKeyInfo, as node:crypto exports it. */
  spki: Buffer;
  extensions: Extension[];
}

/** A new certificate: its PEM, and when it ends (known as it is made, so the caller need not read the PEM back). */
export interface IssuedCertificate {
  pem: string;
  notAfter: Date;
}

/** The algorithm a key signs with: ECDSA or RSA PKCS#1 v1.5, both with SHA-256. */
export function signatureAlgorithmOf(signingKey: KeyObject): AlgorithmIdentifier {
  return signingKey.asymmetricKeyType === "rsa" ? SIGNATURE_ALGORITHM.rsa : SIGNATURE_ALGORITHM.ecdsa;
}

/** The signature over encoded to-be-signed bytes (a TBSCertificate or TBSCertList), on the thread pool. */
export async function signatureOver(tbs: Buffer, signingKey: KeyObject): Promise<ArrayBuffer> {
  return Uint8Array.from(await sign("sha256", tbs, signingKey)).buffer;
}

/** Signs with the issuer's key (see signatureAlgorithmOf). */
async function signedCertificate(fields: TbsFields, signingKey: KeyObject): Promise<IssuedCertificate> {
  const period = validityPeriod(fields.validity);
  const signatureAlgorithm = signatureAlgorithmOf(signingKey);
  const tbsCertificate = new TBSCertificate({
    version: Version.v3,
    serialNumber: Uint8Array.from(Buffer.from(randomSerialNumber(), "hex")).buffer,
    signature: signatureAlgorithm,
    issuer: fields.issuer,
    validity: validityOf(period),
    subject: fields.subject,
    subjectPublicKeyInfo: derValue<SubjectPublicKeyInfo>(fields.spki),
    extensions: new Extensions(fields.extensions),
  });
  // Encoded once: the certificate carries exactly the bytes that were signed.
  const tbs = Buffer.from(AsnConvert.serialize(tbsCertificate));
  const certificate = new Certificate({
    tbsCertificate: derValue<TBSCertificate>(tbs),
    signatureAlgorithm,
    signatureValue: await signatureOver(tbs, signingKey),
  });
  return { pem: pemOf(Buffer.from(AsnConvert.serialize(certificate))), notAfter: period.notAfter };
}

/** PEM armour of DER: base64 in 64-character lines between BEGIN and END lines of the label (RFC 7468). */
export function pemOf(der: Buffer, label = "CERTIFICATE"): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

interface Validity {
  now: Date;
  validityDays: number;
  /** No later than this: a certificate never outlives the CA that signs it. */
  notAfterLimit?: Date;
}

export interface CreateCaParams extends Validity {
  subject: NameAttribute[];
  /** The CA's own key: its public half (SPKI) and the key that signs. */
  spki: Buffer;
  signingKey: KeyObject;
}

/** Self-signed CA that may sign leaf certificates only (pathLen 0). Returns its PEM. */
export async function createCa(params: CreateCaParams): Promise<string> {
  const name = encodeName(params.subject);
  const extensions = [basicConstraints(true), keyUsage(CA_KEY_USAGES), subjectKeyIdentifier(keyIdentifier(params.spki))];
  return (await signedCertificate({ issuer: name, validity: params, subject: name, spki: params.spki, extensions }, params.signingKey)).pem;
}

export interface CertificateAuthority {
  cert: CertificateFacts;
  signingKey: KeyObject;
}

export interface IssueParams extends Validity {
  ca: CertificateAuthority;
  profile: LeafProfile;
  /** The public key being certified (DER SPKI) and its algorithm. */
  spki: Buffer;
  algorithm: KeyAlgorithm;
}

/** A host or client certificate signed by the CA, ending no later than the CA. */
export function issueCertificate({ ca, profile, spki, algorithm, ...dates }: IssueParams): Promise<IssuedCertificate> {
  const extensions = [
    basicConstraints(false),
    keyUsage(leafKeyUsages(algorithm)),
    extendedKeyUsage(profile.extendedKeyUsages),
    // The CA's own key identifier, so chains still build when the CA was made by another tool.
    authorityKeyIdentifier(caKeyIdentifier(ca.cert)),
    subjectKeyIdentifier(keyIdentifier(spki)),
  ];
  const { dnsNames, ipAddresses } = profile.subjectAltNames;
  if (dnsNames.length + ipAddresses.length > 0) {
    extensions.push(extension(id_ce_subjectAltName, false, new SubjectAlternativeName(encodeGeneralNames(profile.subjectAltNames))));
  }
  // The issuer is the CA's subject as read: readCertificate only accepts certificates that encode back to their own bytes,
  // so it is byte for byte the CA's (Go, in etcd, matches issuer and subject as raw bytes).
  const fields = { issuer: issuerOf(ca.cert), validity: { ...dates, notAfterLimit: ca.cert.notAfter }, subject: leafSubject(profile.subject), spki, extensions };
  return signedCertificate(fields, ca.signingKey);
}

// --- Reading ----------------------------------------------------------------------------------

/** What etcdboot needs to know of a certificate on disk. */
export interface CertificateFacts {
  pem: string;
  /** Lower-case hex of the serial number. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  subject: NameAttribute[];
  /** The subject Name as parsed (a CA's becomes its leaves' issuer) and as encoded. */
  subjectName: Name;
  subjectDer: Buffer;
  /** DER SubjectPublicKeyInfo. */
  spki: Buffer;
  subjectKeyId: Buffer | undefined;
  /** Subject alternative names as comparable keys (see generalNameKeys). */
  subjectAltNames: string[];
  /** Each extension's value (the DER inside extnValue) by OID, for ./usage.ts to decode. */
  extensionValues: ReadonlyMap<string, Buffer>;
  der: Buffer;
  /** OpenSSL's reading, for issuer and signature checks. */
  x509: X509Certificate;
}

/** A certificate is a few KiB at most: anything far larger is refused before it is parsed. */
export const MAX_CERTIFICATE_PEM_BYTES = 64 * 1024;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/;

/**
 * Extensions a verifier (Go's crypto/x509, in etcd) understands when they are marked critical;
 * a certificate with any other critical extension is refused by it, and so by us.
 */
const UNDERSTOOD_CRITICAL_EXTENSIONS = new Set([
  id_ce_subjectKeyIdentifier,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_basicConstraints,
  "2.5.29.30", // nameConstraints
  "2.5.29.31", // cRLDistributionPoints
  "2.5.29.32", // certificatePolicies
  id_ce_authorityKeyIdentifier,
  id_ce_extKeyUsage,
]);

/** Reads a PEM certificate (the first, when the file holds a chain). Throws when it is not one, or not in DER. */
export function readCertificate(pem: string): CertificateFacts {
  if (pem.length > MAX_CERTIFICATE_PEM_BYTES) throw new Error(`${pem.length} bytes, more than a certificate file can be (${MAX_CERTIFICATE_PEM_BYTES})`);
  const base64 = PEM_CERTIFICATE.exec(pem)?.[1];
  if (base64 === undefined) throw new Error("no PEM certificate found");
  const der = Buffer.from(base64.replace(/\s+/g, ""), "base64");
  const x509 = new X509Certificate(der);
  const parsed = AsnConvert.parse(der, Certificate);
  // Encoding what was parsed must give the same bytes: DER has one encoding per value, so this refuses trailing
  // bytes, long or indefinite lengths and every other BER liberty, and any value the parser misread.
  if (!Buffer.from(AsnConvert.serialize(parsed)).equals(der)) throw new Error("not DER-encoded (trailing bytes, or a value encoded in a non-canonical form)");
  const tbs = parsed.tbsCertificate;
  const extensions = extensionValuesOf(tbs.extensions ?? []);
  const keyId = extensions.get(id_ce_subjectKeyIdentifier);
  const altNames = extensions.get(id_ce_subjectAltName);
  return {
    pem,
    serial: x509.serialNumber.toLowerCase(),
    notBefore: dateOf(x509.validFrom),
    notAfter: dateOf(x509.validTo),
    subject: readName(tbs.subject),
    subjectName: tbs.subject,
    subjectDer: Buffer.from(AsnConvert.serialize(tbs.subject)),
    spki: x509.publicKey.export({ type: "spki", format: "der" }),
    subjectKeyId: keyId ? Buffer.from(AsnConvert.parse(keyId, SubjectKeyIdentifier).buffer) : undefined,
    subjectAltNames: altNames ? generalNameKeys(AsnConvert.parse(altNames, SubjectAlternativeName)) : [],
    extensionValues: extensions,
    der,
    x509,
  };
}

/** node prints dates as OpenSSL does ("Mar  1 12:00:00 2025 GMT"). */
function dateOf(text: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new Error(`unreadable date ${text}`);
  return date;
}

/** Extension values (the DER inside each extnValue OCTET STRING) by OID; each extension at most once (RFC 5280 4.2). */
function extensionValuesOf(extensions: readonly Extension[]): Map<string, Buffer> {
  const values = new Map<string, Buffer>();
  for (const { extnID, critical, extnValue } of extensions) {
    if (values.has(extnID)) throw new Error(`the extension ${extnID} appears twice`);
    if (critical && !UNDERSTOOD_CRITICAL_EXTENSIONS.has(extnID)) throw new Error(`the critical extension ${extnID} is one TLS clients do not understand`);
    values.set(extnID, Buffer.from(extnValue.buffer));
  }
  return values;
}

/** The serial and expiry of a PEM certificate (state.json, `certs`): node alone, as the full reading is not needed. */
export function certificateSummary(pem: string): { serial: string; notAfter: Date } {
  const x509 = new X509Certificate(pem);
  return { serial: x509.serialNumber.toLowerCase(), notAfter: dateOf(x509.validTo) };
}

/**
 * Whether the CA issued the certificate as a verifier sees it: issuer name and key identifiers
 * match the CA's (X509Certificate.checkIssued) and the signature verifies with its key.
 */
export function isSignedBy(cert: CertificateFacts, ca: CertificateFacts): boolean {
  try {
    return cert.x509.checkIssued(ca.x509) && cert.x509.verify(ca.x509.publicKey);
  } catch {
    return false; // e.g. an RSA signature checked against an EC key
  }
}
