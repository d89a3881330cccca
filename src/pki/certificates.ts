// Making certificates: the cluster CA and the host and client certificates it signs.
// No I/O: keys and the clock come in as parameters.
import { webcrypto } from "node:crypto";
import { isRsaKey, publicKeySpkiOf, signingAlgorithmFor, type CryptoKey, type CryptoKeyPair } from "./keys.js";
import { clientProfile, hostProfile, subjectName, type LeafProfile } from "./profiles.js";
import type { HostIdentity, SubjectFields } from "./types.js";
import { x509 } from "./x509.js";

export interface CertificateAuthority {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Machines without a real-time clock (and skewed ones) boot "in the past"; a day's slack keeps certificates valid for them. */
const BACKDATE_MS = DAY_MS;

export function validityPeriod(now: Date, validityDays: number): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + validityDays * DAY_MS),
  };
}

/** 16 random bytes as hex, top bit cleared so the DER INTEGER is positive, never zero (RFC 5280 4.1.2.2). */
export function randomSerialNumber(): string {
  const bytes = new Uint8Array(16);
  do {
    webcrypto.getRandomValues(bytes);
    bytes[0] = (bytes[0] ?? 0) & 0x7f;
  } while (bytes.every((byte) => byte === 0));
  return Buffer.from(bytes).toString("hex");
}

export function certificatePem(cert: x509.X509Certificate): string {
  return `${cert.toString("pem")}\n`;
}

export interface CreateCaParams {
  cluster: string;
  subject: SubjectFields;
  keys: CryptoKeyPair;
  now: Date;
  validityDays: number;
}

/** Self-signed CA that may sign leaf certificates only (pathLen 0). */
export async function createCa(params: CreateCaParams): Promise<x509.X509Certificate> {
  const { keys } = params;
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: subjectName(`${params.cluster} etcd CA`, params.subject),
    ...validityPeriod(params.now, params.validityDays),
    keys,
    signingAlgorithm: signingAlgorithmFor(keys.privateKey),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
}

export interface IssueParams {
  ca: CertificateAuthority;
  /** Public key of the host or client being certified. */
  publicKey: CryptoKey;
  now: Date;
  validityDays: number;
}

/** A host's certificate: serverAuth + clientAuth, valid for its names and addresses (and localhost). */
export function issueHostCertificate(
  params: IssueParams & { host: HostIdentity; subject: SubjectFields },
): Promise<x509.X509Certificate> {
  return issueCertificate({ ...params, profile: hostProfile(params.host, params.subject) });
}

/** A client's certificate: clientAuth only; its CN is the etcd user name. */
export function issueClientCertificate(
  params: IssueParams & { name: string; subject: SubjectFields },
): Promise<x509.X509Certificate> {
  return issueCertificate({ ...params, profile: clientProfile(params.name, params.subject) });
}

export async function issueCertificate(params: IssueParams & { profile: LeafProfile }): Promise<x509.X509Certificate> {
  const { ca, publicKey, profile } = params;
  // keyEncipherment only means something for RSA (key transport); ECDSA keys just sign.
  const keyUsages = isRsaKey(publicKey)
    ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
    : x509.KeyUsageFlags.digitalSignature;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(keyUsages, true),
    new x509.ExtendedKeyUsageExtension(profile.extendedKeyUsages),
    await authorityKeyIdentifier(ca.cert),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
  ];
  if (profile.subjectAltNames.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(profile.subjectAltNames));
  }
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: profile.subject,
    issuer: ca.cert.subjectName,
    ...validityPeriod(params.now, params.validityDays),
    publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: signingAlgorithmFor(ca.keys.privateKey),
    extensions,
  });
}

/** Reuses the CA's own key identifier, so chains still build when the CA was made by another tool. */
async function authorityKeyIdentifier(caCert: x509.X509Certificate): Promise<x509.AuthorityKeyIdentifierExtension> {
  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  return caKeyId
    ? new x509.AuthorityKeyIdentifierExtension(caKeyId)
    : x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey);
}

/** Whether the certificate's signature verifies with the CA certificate's public key. */
export async function isSignedBy(cert: x509.X509Certificate, caCert: x509.X509Certificate): Promise<boolean> {
  try {
    return await cert.verify({ publicKey: caCert.publicKey, signatureOnly: true });
  } catch {
    return false; // e.g. an RSA signature checked against an EC key
  }
}

/** Whether the certificate certifies the public half of this private key. */
export function certifiesKey(cert: x509.X509Certificate, privateKeyPem: string): boolean {
  return publicKeySpkiOf(privateKeyPem).equals(new Uint8Array(cert.publicKey.rawData));
}
