// Whether a host or client certificate already on disk can be kept, and if not, why.
import { DAY_MS, isSignedBy, type CertificateFacts } from "./certificates.js";
import type { KeyPair } from "./keys.js";
import { sameName, wantedGeneralNameKeys } from "./names.js";
import type { LeafProfile } from "./profiles.js";
import type { IssueReason, KeyAlgorithm } from "./types.js";

export interface ExistingLeaf {
  cert: CertificateFacts;
  key: KeyPair;
}

export interface WantedLeaf {
  caCert: CertificateFacts;
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
export function reissueReason(existing: ExistingLeaf, wanted: WantedLeaf): IssueReason | undefined {
  if (!isSignedBy(existing.cert, wanted.caCert)) return "other CA";
  if (existing.key.algorithm !== wanted.algorithm) return "algorithm changed";
  // The key was replaced behind our back: there is no certificate for it yet.
  if (!existing.cert.spki.equals(existing.key.spki)) return "new";
  if (!hasSameNames(existing.cert, wanted.profile)) return "names changed";
  if (existing.cert.notAfter.getTime() - wanted.now.getTime() < renewalWindowMs(wanted.validityDays)) {
    return "expires soon";
  }
  return undefined;
}

/** Same subject and the same SANs, in any order. */
function hasSameNames(cert: CertificateFacts, profile: LeafProfile): boolean {
  if (!sameName(cert.subject, profile.subject)) return false;
  return sameSet(cert.subjectAltNames, wantedGeneralNameKeys(profile.subjectAltNames));
}

function sameSet(a: string[], b: string[]): boolean {
  const setA = new Set(a);
  const setB = new Set(b);
  return setA.size === setB.size && [...setA].every((item) => setB.has(item));
}
