// What a certificate may be used for: the CA flag and extended key usages (node's X509Certificate)
// and the key usage bits, which node does not expose (read with @peculiar/asn1-x509). Used to
// check an existing CA before it signs, and whether an existing leaf is what etcdboot issues.
import { X509Certificate } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, id_ce_keyUsage, KeyUsage, type KeyUsageType } from "@peculiar/asn1-x509";

export interface CertificateUsage {
  /** basicConstraints CA:TRUE. */
  ca: boolean;
  /** Key usage bit names; undefined when the certificate has no keyUsage extension. */
  keyUsages: KeyUsageType[] | undefined;
  /** Extended key usage OIDs; undefined when there is no extendedKeyUsage extension. */
  extendedKeyUsages: string[] | undefined;
}

const usages = new WeakMap<Buffer, CertificateUsage>();

/** Throws when the certificate cannot be parsed. Read once per certificate (a build checks each leaf twice). */
export function certificateUsage(der: Buffer): CertificateUsage {
  const known = usages.get(der);
  if (known) return known;
  const usage = readUsage(der);
  usages.set(der, usage);
  return usage;
}

function readUsage(der: Buffer): CertificateUsage {
  const x509 = new X509Certificate(der);
  const extension = AsnConvert.parse(der, Certificate).tbsCertificate.extensions?.find((entry) => entry.extnID === id_ce_keyUsage);
  return {
    ca: x509.ca,
    keyUsages: extension ? AsnConvert.parse(extension.extnValue, KeyUsage).toJSON() : undefined,
    extendedKeyUsages: x509.keyUsage,
  };
}

export function sameMembers<T>(a: readonly T[], b: readonly T[]): boolean {
  const setA = new Set(a);
  const setB = new Set(b);
  return setA.size === setB.size && [...setA].every((item) => setB.has(item));
}
