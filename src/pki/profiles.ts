// What a host or client certificate must say: subject, subject alternative names and purposes.
// Used both to issue a certificate and to tell whether an existing one still says the same.
import type { NameAttribute, SubjectAltNames } from "./names.js";
import type { HostIdentity, SubjectFields } from "./types.js";

export type ExtendedKeyUsage = "serverAuth" | "clientAuth";

export interface LeafProfile {
  subject: NameAttribute[];
  subjectAltNames: SubjectAltNames;
  extendedKeyUsages: ExtendedKeyUsage[];
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
