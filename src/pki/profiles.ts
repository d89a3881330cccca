// What a host or client certificate must say: subject, subject alternative names and purposes.
// Used both to issue a certificate and to tell whether an existing one still says the same.
import { isRsa } from "./keys.js";
import type { NameAttribute, SubjectAltNames } from "./names.js";
import type { HostIdentity, KeyAlgorithm, SubjectFields } from "./types.js";

export type ExtendedKeyUsage = "serverAuth" | "clientAuth";

export const EXTENDED_KEY_USAGE_OIDS: Record<ExtendedKeyUsage, string> = { serverAuth: "1.3.6.1.5.5.7.3.1", clientAuth: "1.3.6.1.5.5.7.3.2" };

/** The key usages etcdboot puts in certificates (names as in RFC 5280 4.2.1.3). */
export type KeyUsageName = "digitalSignature" | "keyEncipherment" | "keyCertSign" | "crlSign";

/** A CA signs certificates and CRLs. */
export const CA_KEY_USAGES: readonly KeyUsageName[] = ["digitalSignature", "keyCertSign", "crlSign"];

/** keyEncipherment only means something for RSA (key transport); ECDSA keys just sign. */
export function leafKeyUsages(algorithm: KeyAlgorithm): KeyUsageName[] {
  return isRsa(algorithm) ? ["digitalSignature", "keyEncipherment"] : ["digitalSignature"];
}

export interface LeafProfile {
  subject: NameAttribute[];
  subjectAltNames: SubjectAltNames;
  extendedKeyUsages: ExtendedKeyUsage[];
}

/** RFC 5280's upper bound for a common name (ub-common-name). */
const MAX_COMMON_NAME = 64;

/** "<cluster> etcd CA", or the cluster's name alone where that would pass the 64 characters a common name may have. */
export function caCommonName(cluster: string): string {
  const named = `${cluster} etcd CA`;
  return named.length <= MAX_COMMON_NAME ? named : cluster;
}

/** cfssl's order: C, ST, L, O, OU, then CN. Empty fields are left out. */
export function subjectName(commonName: string, fields: SubjectFields): NameAttribute[] {
  const ordered: [NameAttribute["type"], string | undefined][] = [
    ["C", fields.C],
    ["ST", fields.ST],
    ["L", fields.L],
    ["O", fields.O],
    ["OU", fields.OU],
    ["CN", commonName],
  ];
  return ordered.filter((entry): entry is [string, string] => !!entry[1]).map(([type, value]) => ({ type, value }));
}

/** DNS: the host name, its dnsNames, localhost; IP: its addresses, 127.0.0.1. First occurrence wins. */
export function hostSubjectAltNames(host: HostIdentity): SubjectAltNames {
  return {
    dnsNames: unique([host.name, ...host.dnsNames, "localhost"]),
    ipAddresses: unique([...host.ipAddresses, "127.0.0.1"]),
  };
}

/** Hosts serve etcd clients and peers, and are themselves clients of their peers. */
export function hostProfile(host: HostIdentity, fields: SubjectFields): LeafProfile {
  return {
    subject: subjectName(host.name, fields),
    subjectAltNames: hostSubjectAltNames(host),
    extendedKeyUsages: ["serverAuth", "clientAuth"],
  };
}

/** etcd's RBAC takes the user name from the client certificate's CN. */
export function clientProfile(name: string, fields: SubjectFields): LeafProfile {
  return {
    subject: subjectName(name, fields),
    subjectAltNames: { dnsNames: [], ipAddresses: [] },
    extendedKeyUsages: ["clientAuth"],
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
