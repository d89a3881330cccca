// The validated cluster spec: every default applied, every preset and profile resolved.
// Only src/spec builds it; everything downstream reads it and nothing mutates it.

import type { EtcdVersion } from "../etcd/version.js";
import type { KeyAlgorithm, SubjectFields } from "../pki/types.js";

export type Arch = "amd64" | "arm64";
export const ARCHS: readonly Arch[] = ["amd64", "arm64"];

export interface Tuning {
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  snapshotCount: number;
  quotaBackendBytes: number;
  autoCompaction: { mode: "periodic" | "revision"; retention: string };
}

/** An OS target from profiles/targets/: how a host of that kind is set up on first boot. */
export interface TargetProfile {
  name: string;
  description: string;
  /** Which artifact encodes the host. */
  format: "cloud-init";
  archs: Arch[];
  nologinShell: string;
  /** How a static network-config finds the NIC when the spec names neither MAC nor interface. */
  defaultInterfaceMatch: { name: string };
}

export interface StaticNetwork {
  prefixLength: number;
  gateway?: string;
  dns: string[];
  /** Match the NIC by MAC address (preferred on VMs), or else by interface name (globs allowed). */
  match: { macAddress: string } | { name: string };
}

export interface Host {
  name: string;
  address: string;
  dnsNames: string[];
  arch: Arch;
  target: TargetProfile;
  network?: StaticNetwork;
}

export interface Spec {
  cluster: { name: string; token: string };
  etcd: {
    version: EtcdVersion;
    /** Base URL with the upstream layout: <base>/v<version>/etcd-v<version>-linux-<arch>.tar.gz */
    downloadUrl: string;
    /** Pinned tarball checksums per arch; unpinned archs are checked against the release's SHA256SUMS. */
    sha256: Partial<Record<Arch, string>>;
    clientPort: number;
    peerPort: number;
  };
  tls: {
    algorithm: KeyAlgorithm;
    validityDays: number;
    caValidityDays: number;
    subject: SubjectFields;
  };
  tuning: Tuning;
  hosts: Host[];
  clients: string[];
}
