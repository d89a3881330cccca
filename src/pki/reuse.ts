// Whether a host or client certificate already on disk can be kept, and if not, why.
import { certifiesKey, DAY_MS, isSignedBy } from "./certificates.js";
import type { LeafProfile } from "./profiles.js";
import type { IssueReason, KeyAlgorithm } from "./types.js";
import { x509 } from "./x509.js";

export interface ExistingLeaf {
  cert: x509.X509Certificate;
  keyPem: string;
  /** undefined: a key type etcdboot does not make. */
  keyAlgorithm: KeyAlgorithm | undefined;
}

export interface WantedLeaf {
  caCert: x509.X509Certificate;
  algorithm: KeyAlgorithm;
  profile: LeafProfile;
  now: Date;
  validityDays: number;
}

/** Renew when less than this is left: 30 days, or a third of the lifetime for short-lived certificates. */
export function renewalWindowMs(validityDays: number): number {
  return Math.min(30, validityDays / 3) * DAY_MS;
}

/** Why the existing certificate and key cannot be kept as they are, or undefined when they can. */
export async function reissueReason(existing: ExistingLeaf, wanted: WantedLeaf): Promise<IssueReason | undefined> {
  if (!(await isSignedBy(existing.cert, wanted.caCert))) return "other CA";
  if (existing.keyAlgorithm !== wanted.algorithm) return "algorithm changed";
  // The key was replaced behind our back: there is no certificate for it yet.
  if (!certifiesKey(existing.cert, existing.keyPem)) return "new";
  if (!hasSameNames(existing.cert, wanted.profile)) return "names changed";
  if (existing.cert.notAfter.getTime() - wanted.now.getTime() < renewalWindowMs(wanted.validityDays)) {
    return "expires soon";
  }
  return undefined;
}

/** Same subject (CN and the spec's fields) and the same SANs, in any order. */
function hasSameNames(cert: x509.X509Certificate, profile: LeafProfile): boolean {
  if (cert.subject !== new x509.Name(profile.subject).toString()) return false;
  const existingNames = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON() ?? [];
  // Round-trip the wanted names through the same encoding, so e.g. IPv6 spellings compare equal.
  const wantedNames = new x509.SubjectAlternativeNameExtension(profile.subjectAltNames).names.toJSON();
  return sameSet(existingNames.map(generalNameKey), wantedNames.map(generalNameKey));
}

function generalNameKey(name: x509.JsonGeneralName): string {
  return `${name.type}:${name.value}`;
}

function sameSet(a: string[], b: string[]): boolean {
  const setA = new Set(a);
  const setB = new Set(b);
  return setA.size === setB.size && [...setA].every((item) => setB.has(item));
}
