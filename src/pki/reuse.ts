// Whether a host or client certificate already on disk can be kept, and if not, why.
import { DAY_MS, isSignedBy, type CertificateFacts } from "./certificates.js";
import type { KeyPair } from "./keys.js";
import { sameName, wantedGeneralNameKeys } from "./names.js";
import { EXTENDED_KEY_USAGE_OIDS, leafKeyUsages, type LeafProfile } from "./profiles.js";
import type { IssueReason, KeyAlgorithm } from "./types.js";
import { certificateUsage, sameMembers } from "./usage.js";

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

/**
 * When a certificate is due for renewal: its renewal window before it expires, unless it already
 * ends with its CA (a new one could not last longer; replacing the CA is the user's call).
 */
export function renewalDeadline(notAfter: Date, caNotAfter: Date, validityDays: number): Date {
  if (notAfter.getTime() >= caNotAfter.getTime()) return caNotAfter;
  return new Date(notAfter.getTime() - renewalWindowMs(validityDays));
}

/** Why the existing certificate and key cannot be kept as they are, or undefined when they can. */
export function reissueReason(existing: ExistingLeaf, wanted: WantedLeaf): IssueReason | undefined {
  if (!isSignedBy(existing.cert, wanted.caCert)) return "other CA";
  if (existing.key.algorithm !== wanted.algorithm) return "algorithm changed";
  // The key was replaced behind our back: there is no certificate for it yet.
  if (!existing.cert.spki.equals(existing.key.spki)) return "new";
  if (!hasSameNames(existing.cert, wanted.profile)) return "names changed";
  if (!hasUsagesOf(existing.cert, wanted)) return "usage changed";
  if (wanted.now.getTime() > renewalDeadline(existing.cert.notAfter, wanted.caCert.notAfter, wanted.validityDays).getTime()) {
    return "expires soon";
  }
  return undefined;
}

/**
 * Exactly the purposes etcdboot issues: not a CA, the key usages for its algorithm, and the
 * profile's extended key usages (a serverAuth-only host certificate fails as etcd's peer client).
 */
function hasUsagesOf(cert: CertificateFacts, wanted: WantedLeaf): boolean {
  const usage = certificateUsage(cert);
  const extendedKeyUsages = wanted.profile.extendedKeyUsages.map((name) => EXTENDED_KEY_USAGE_OIDS[name]);
  return (
    !usage.ca &&
    usage.keyUsages !== undefined &&
    sameMembers(usage.keyUsages, leafKeyUsages(wanted.algorithm)) &&
    usage.extendedKeyUsages !== undefined &&
    sameMembers(usage.extendedKeyUsages, extendedKeyUsages)
  );
}

/** Same subject and the same SANs, in any order. */
function hasSameNames(cert: CertificateFacts, profile: LeafProfile): boolean {
  if (!sameName(cert.subject, profile.subject)) return false;
  return sameMembers(cert.subjectAltNames, wantedGeneralNameKeys(profile.subjectAltNames));
}
