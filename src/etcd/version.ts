// etcd release lines differ in flags, config keys and shipped tools. Each difference is a named
// predicate here, so the rest of the code asks "does this release have X?", never compares numbers.

export interface EtcdVersion {
  major: number;
  minor: number;
  patch: number;
  /** "3.6.14" (no leading v) */
  text: string;
}

export const SUPPORTED_MINORS = ["3.4", "3.5", "3.6", "3.7"] as const;
export const DEFAULT_ETCD_VERSION = "3.6.14";

/** Canonical semver numbers only: "03.6.014" would name a release URL that does not exist. */
const EXACT_VERSION = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;

export function parseEtcdVersion(text: string): EtcdVersion | undefined {
  const match = EXACT_VERSION.exec(text);
  if (!match) return undefined;
  const [major, minor, patch] = match.slice(1).map(Number) as [number, number, number];
  return { major, minor, patch, text };
}

/** For a supported release spelled otherwise ("03.6.014", "v3.6.14"): how to write it ("3.6.14"). */
export function suggestedVersionSpelling(text: string): string | undefined {
  const match = /^v?(\d{1,12})\.(\d{1,12})\.(\d{1,12})$/.exec(text.trim());
  const canonical = match?.slice(1).map((n) => String(Number(n))).join(".");
  const version = canonical === undefined || canonical === text ? undefined : parseEtcdVersion(canonical);
  return version && isSupportedVersion(version) ? canonical : undefined;
}

export function isSupportedVersion(v: EtcdVersion): boolean {
  return (SUPPORTED_MINORS as readonly string[]).includes(`${v.major}.${v.minor}`);
}

const atLeast = (v: EtcdVersion, minor: number) => v.major > 3 || (v.major === 3 && v.minor >= minor);

/** 3.5 made zap the default logger; 3.4 needs `logger: zap` or it warns about capnslog. */
export const needsExplicitZapLogger = (v: EtcdVersion) => !atLeast(v, 5);
/** 3.5+ ships etcdutl (snapshot restore, defrag offline) beside etcd and etcdctl. */
export const shipsEtcdutl = (v: EtcdVersion) => atLeast(v, 5);
/** 3.6 replaced several `experimental-*` options by `feature-gates`; 3.7 removed the experimental ones. */
export const hasFeatureGates = (v: EtcdVersion) => atLeast(v, 6);
/** Before 3.5, etcd refused to start on arm64 unless ETCD_UNSUPPORTED_ARCH=arm64 was set. */
export const arm64NeedsUnsupportedArchVariable = (v: EtcdVersion) => !atLeast(v, 5);
/** 3.5+ restores snapshots with etcdutl; 3.4 with `etcdctl snapshot restore` (3.6 removed that one). */
export const restoresWithEtcdutl = (v: EtcdVersion) => shipsEtcdutl(v);
