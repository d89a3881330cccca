// What a certificate may be used for: the CA flag and extended key usages (node's X509Certificate)
// and the key usage bits, which node does not expose (read with @peculiar/asn1-x509). Used to
// check an existing CA before it signs, and whether an existing leaf is what etcdboot issues.
import { X509Certificate } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { BasicConstraints, Certificate, id_ce_basicConstraints, id_ce_keyUsage, KeyUsage, type KeyUsageType } from "@peculiar/asn1-x509";

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
  const extensions = AsnConvert.parse(der, Certificate).tbsCertificate.extensions ?? [];
  const valueOf = (id: string) => extensions.find((entry) => entry.extnID === id)?.extnValue;
  const basicConstraints = valueOf(id_ce_basicConstraints);
  const keyUsage = valueOf(id_ce_keyUsage);
  return {
    // Not X509Certificate.ca: that is also false for CA:TRUE without keyCertSign, which deserves its own message.
    ca: basicConstraints ? AsnConvert.parse(basicConstraints, BasicConstraints).cA : false,
    keyUsages: keyUsage ? AsnConvert.parse(keyUsage, KeyUsage).toJSON() : undefined,
    extendedKeyUsages: new X509Certificate(der).keyUsage,
  };
}

export function sameMembers<T>(a: readonly T[], b: readonly T[]): boolean {
  const setA = new Set(a);
  const setB = new Set(b);
  return setA.size === setB.size && [...setA].every((item) => setB.has(item));
}
