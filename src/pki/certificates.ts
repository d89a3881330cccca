// Making certificates: the cluster CA and the host and client certificates it signs (X.509 v3,
// RFC 5280, written as DER by ./der.ts and signed by node:crypto). And reading back the facts a
// rebuild compares: names, key, dates, issuer. No file I/O: keys and the clock come in.
import { createHash, createPublicKey, getRandomValues, sign as signAsync, X509Certificate, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import {
  bitString,
  boolean,
  childrenOf,
  explicit,
  implicitPrimitive,
  namedBits,
  nullValue,
  octetString,
  oid,
  readElement,
  readOid,
  readTime,
  sequence,
  smallInteger,
  time,
  unsignedInteger,
  type Element,
} from "./der.js";
import { encodeGeneralNames, encodeName, generalNameKeys, readName, type NameAttribute } from "./names.js";
import { CA_KEY_USAGES, EXTENDED_KEY_USAGE_OIDS, leafKeyUsages, type KeyUsageName, type LeafProfile } from "./profiles.js";
import type { KeyAlgorithm } from "./types.js";

const sign = promisify(signAsync);

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Machines without a real-time clock (and skewed ones) boot "in the past"; a day's slack keeps certificates valid for them. */
const BACKDATE_MS = DAY_MS;

function validityPeriod({ now, validityDays, notAfterLimit }: Validity): { notBefore: Date; notAfter: Date } {
  const wanted = now.getTime() + validityDays * DAY_MS;
  return {
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(notAfterLimit === undefined ? wanted : Math.min(wanted, notAfterLimit.getTime())),
  };
}

/** 16 random bytes as hex, top bit cleared so the DER INTEGER is positive, never zero (RFC 5280 4.1.2.2). */
export function randomSerialNumber(): string {
  const bytes = new Uint8Array(16);
  do {
    getRandomValues(bytes);
    bytes[0] = (bytes[0] ?? 0) & 0x7f;
  } while (bytes.every((byte) => byte === 0));
  return Buffer.from(bytes).toString("hex");
}

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extendedKeyUsage: "2.5.29.37",
} as const;

/** KeyUsage bit numbers (RFC 5280 4.2.1.3). */
const KEY_USAGE_BITS: Record<KeyUsageName, number> = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, crlSign: 6 };

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

function basicConstraints(ca: boolean): Buffer {
  // pathLen 0: the CA signs leaf certificates only, never another CA.
  return extension(OID.basicConstraints, true, ca ? sequence(boolean(true), smallInteger(0)) : sequence());
}

const keyUsage = (usages: readonly KeyUsageName[]) => extension(OID.keyUsage, true, namedBits(usages.map((usage) => KEY_USAGE_BITS[usage])));
const subjectKeyIdentifier = (keyId: Buffer) => extension(OID.subjectKeyIdentifier, false, octetString(keyId));
const authorityKeyIdentifier = (keyId: Buffer) => extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, keyId)));

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(spki: Buffer): Buffer {
  const [, subjectPublicKey] = childrenOf(readElement(spki));
  if (!subjectPublicKey) throw new Error("malformed SubjectPublicKeyInfo");
  return createHash("sha1").update(subjectPublicKey.contents.subarray(1)).digest();
}

/** The fields of a TBSCertificate (RFC 5280 4.1) that differ between certificates, each DER-encoded. */
interface TbsFields {
  serial: Buffer;
  issuer: Buffer;
  validity: Buffer;
  subject: Buffer;
  spki: Buffer;
  extensions: Buffer[];
}

/** Signs with the issuer's key: ECDSA or RSA PKCS#1 v1.5, both with SHA-256 (on the thread pool). */
async function signedCertificate(fields: TbsFields, signingKey: KeyObject): Promise<string> {
  const algorithm =
    signingKey.asymmetricKeyType === "rsa" ? sequence(oid(OID.sha256WithRsa), nullValue()) : sequence(oid(OID.ecdsaWithSha256));
  const version3 = explicit(0, smallInteger(2));
  const tbs = sequence(version3, fields.serial, algorithm, fields.issuer, fields.validity, fields.subject, fields.spki, explicit(3, sequence(...fields.extensions)));
  const signature = await sign("sha256", tbs, signingKey);
  return pemOf(sequence(tbs, algorithm, bitString(signature)));
}

const newSerial = () => unsignedInteger(Buffer.from(randomSerialNumber(), "hex"));

function pemOf(der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

interface Validity {
  now: Date;
  validityDays: number;
  /** No later than this: a certificate never outlives the CA that signs it. */
  notAfterLimit?: Date;
}

function validity(dates: Validity): Buffer {
  const { notBefore, notAfter } = validityPeriod(dates);
  return sequence(time(notBefore), time(notAfter));
}

export interface CreateCaParams extends Validity {
  subject: NameAttribute[];
  /** The CA's own key: its public half (SPKI) and the key that signs. */
  spki: Buffer;
  signingKey: KeyObject;
}

/** Self-signed CA that may sign leaf certificates only (pathLen 0). Returns its PEM. */
export function createCa(params: CreateCaParams): Promise<string> {
  const name = encodeName(params.subject);
  const extensions = [
    basicConstraints(true),
    keyUsage(CA_KEY_USAGES),
    subjectKeyIdentifier(keyIdentifier(params.spki)),
  ];
  return signedCertificate({ serial: newSerial(), issuer: name, validity: validity(params), subject: name, spki: params.spki, extensions }, params.signingKey);
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

/** A host or client certificate signed by the CA, ending no later than the CA. Returns its PEM. */
export function issueCertificate({ ca, profile, spki, algorithm, ...dates }: IssueParams): Promise<string> {
  const extensions = [
    basicConstraints(false),
    keyUsage(leafKeyUsages(algorithm)),
    extension(OID.extendedKeyUsage, false, sequence(...profile.extendedKeyUsages.map((usage) => oid(EXTENDED_KEY_USAGE_OIDS[usage])))),
    // The CA's own key identifier, so chains still build when the CA was made by another tool.
    authorityKeyIdentifier(ca.cert.subjectKeyId ?? keyIdentifier(ca.cert.spki)),
    subjectKeyIdentifier(keyIdentifier(spki)),
  ];
  const { dnsNames, ipAddresses } = profile.subjectAltNames;
  if (dnsNames.length + ipAddresses.length > 0) {
    extensions.push(extension(OID.subjectAltName, false, encodeGeneralNames(profile.subjectAltNames)));
  }
  // The issuer is the CA's subject byte for byte: Go (etcd) matches issuer and subject as raw bytes.
  const fields = { serial: newSerial(), issuer: ca.cert.subjectDer, validity: validity({ ...dates, notAfterLimit: ca.cert.notAfter }), subject: encodeName(profile.subject), spki, extensions };
  return signedCertificate(fields, ca.signingKey);
}

// --- Reading ----------------------------------------------------------------------------------

/** What etcdboot needs to know of a certificate on disk. */
export interface CertificateFacts {
  pem: string;
  /** Lower-case hex of the serial number's bytes. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  subject: NameAttribute[];
  /** The subject Name as encoded (a CA's becomes its leaves' issuer). */
  subjectDer: Buffer;
  /** DER SubjectPublicKeyInfo. */
  spki: Buffer;
  subjectKeyId: Buffer | undefined;
  /** Subject alternative names as comparable keys (see generalNameKeys). */
  subjectAltNames: string[];
  /** Each extension's value (the DER inside extnValue) by OID, for ./usage.ts to decode. */
  extensionValues: ReadonlyMap<string, Buffer>;
  der: Buffer;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/;

/** Reads a PEM certificate (the first, when the file holds a chain). Throws when it is not one. */
export function readCertificate(pem: string): CertificateFacts {
  const base64 = PEM_CERTIFICATE.exec(pem)?.[1];
  if (base64 === undefined) throw new Error("no PEM certificate found");
  const der = Buffer.from(base64.replace(/\s+/g, ""), "base64");
  const [tbs] = childrenOf(readElement(der));
  if (!tbs) throw new Error("malformed certificate");
  // version [0], serial, signature, issuer, validity, subject, subjectPublicKeyInfo, then [1] [2] [3].
  const fields = childrenOf(tbs);
  const [serial, , , validityElement, subject, spki] = fields[0]?.tag === 0xa0 ? fields.slice(1) : fields;
  if (!serial || !validityElement || !subject || !spki) throw new Error("malformed certificate");
  const [notBefore, notAfter] = childrenOf(validityElement).map(readTime);
  if (!notBefore || !notAfter) throw new Error("malformed certificate validity");
  const extensions = readExtensions(fields.find((field) => field.tag === 0xa3));
  const keyId = extensions.get(OID.subjectKeyIdentifier);
  const altNames = extensions.get(OID.subjectAltName);
  return {
    pem,
    serial: serial.contents.toString("hex"),
    notBefore,
    notAfter,
    subject: readName(subject),
    subjectDer: subject.encoded,
    spki: spki.encoded,
    subjectKeyId: keyId ? readElement(keyId).contents : undefined,
    subjectAltNames: altNames ? generalNameKeys(readElement(altNames)) : [],
    extensionValues: extensions,
    der,
  };
}

/** Extension values (the DER inside each extnValue OCTET STRING) by OID. */
function readExtensions(wrapper: Element | undefined): Map<string, Buffer> {
  const values = new Map<string, Buffer>();
  const [list] = wrapper ? childrenOf(wrapper) : [];
  for (const entry of list ? childrenOf(list) : []) {
    const parts = childrenOf(entry);
    const [id, value] = [parts[0], parts[parts.length - 1]];
    if (id && value) values.set(readOid(id), value.contents);
  }
  return values;
}

const publicKeys = new WeakMap<CertificateFacts, KeyObject>();
const caCertificates = new WeakMap<CertificateFacts, X509Certificate>();

function x509OfCa(ca: CertificateFacts): X509Certificate {
  const parsed = caCertificates.get(ca) ?? new X509Certificate(ca.der);
  caCertificates.set(ca, parsed);
  return parsed;
}

/**
 * Whether the CA issued the certificate as a verifier sees it: issuer name and key identifiers
 * match the CA's (X509Certificate.checkIssued) and the signature verifies with its key.
 */
export function isSignedBy(cert: CertificateFacts, ca: CertificateFacts): boolean {
  try {
    const caKey = publicKeys.get(ca) ?? createPublicKey({ key: ca.spki, format: "der", type: "spki" });
    publicKeys.set(ca, caKey);
    const x509 = new X509Certificate(cert.der);
    return x509.checkIssued(x509OfCa(ca)) && x509.verify(caKey);
  } catch {
    return false; // e.g. an RSA signature checked against an EC key
  }
}
