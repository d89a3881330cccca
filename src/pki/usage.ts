// What a certificate may be used for: the CA flag, key usage bits and extended key usages,
// decoded from the extension values readCertificate found (with @peculiar/asn1-x509: decoding
// just these values costs a fraction of parsing the whole certificate again, which matters at
// 1000 hosts). Used to check an existing CA before it signs, and whether an existing leaf is what
// etcdboot issues.
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  BasicConstraints,
  ExtendedKeyUsage,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  KeyUsage,
  type KeyUsageType,
} from "@peculiar/asn1-x509";
import type { CertificateFacts } from "./certificates.js";

export interface CertificateUsage {
  /** basicConstraints CA:TRUE. */
  ca: boolean;
  /** Key usage bit names; undefined when the certificate has no keyUsage extension. */
  keyUsages: KeyUsageType[] | undefined;
  /** Extended key usage OIDs; undefined when there is no extendedKeyUsage extension. */
  extendedKeyUsages: string[] | undefined;
}

const usages = new WeakMap<CertificateFacts, CertificateUsage>();

/** Throws when an extension cannot be decoded. Decoded once per certificate (a build asks twice). */
export function certificateUsage(cert: CertificateFacts): CertificateUsage {
  const known = usages.get(cert);
  if (known) return known;
  const value = (id: string) => cert.extensionValues.get(id);
  const basicConstraints = value(id_ce_basicConstraints);
  const keyUsage = value(id_ce_keyUsage);
  const extendedKeyUsage = value(id_ce_extKeyUsage);
  const usage: CertificateUsage = {
    ca: basicConstraints ? AsnConvert.parse(basicConstraints, BasicConstraints).cA : false,
    keyUsages: keyUsage ? AsnConvert.parse(keyUsage, KeyUsage).toJSON() : undefined,
    extendedKeyUsages: extendedKeyUsage ? [...AsnConvert.parse(extendedKeyUsage, ExtendedKeyUsage)] : undefined,
  };
  usages.set(cert, usage);
  return usage;
}

export function sameMembers<T>(a: readonly T[], b: readonly T[]): boolean {
  const setA = new Set(a);
  const setB = new Set(b);
  return setA.size === setB.size && [...setA].every((item) => setB.has(item));
}
