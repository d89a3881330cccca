// The validated cluster spec: every default applied, every preset and profile resolved.
// Only src/spec builds it; everything downstream reads it and nothing mutates it.

import type { EtcdVersion } from "../etcd/version.js";
import type { KeyAlgorithm, SubjectFields } from "../pki/types.js";

export type Arch = "amd64" | "arm64";
export const ARCHS: readonly Arch[] = ["amd64", "arm64"];

/** What a client certificate is for: a system that gets a ready bundle (certificate, key, CA, snippet) in the output. */
export type ClientPurpose = "k3s" | "kube-apiserver";
export const CLIENT_PURPOSES: readonly ClientPurpose[] = ["k3s", "kube-apiserver"];

/** A client certificate (CN = name). With a purpose, the build also writes its bundle to clients/<name>/; without, its key stays in pki/. */
export interface Client {
  name: string;
  for?: ClientPurpose;
}

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
  /** Which artifact encodes the host: cloud-init files, or an Alpine overlay (apkovl, OpenRC). */
  format: "cloud-init" | "apkovl";
  archs: Arch[];
  nologinShell: string;
  /** How a static network finds the NIC when the spec names neither MAC nor interface. */
  defaultInterfaceMatch: { name: string };
  /** The tuning preset to use when the spec names none (SD cards want longer timeouts). */
  defaultTuning?: string;
  /** apkovl: where Alpine's boot media is mounted (its apks/ folder is the boot-time repository). */
  bootMedia?: string;
  /** apkovl: false for boards without a battery-backed clock (Raspberry Pi): wait for NTP, keep time across reboots with swclock. */
  hasRtc?: boolean;
}

/** Where an Alpine host keeps etcd's data: a persistent partition, or (lab only) the tmpfs root. */
export type Storage = { device: string; fsType: string } | { tmpfs: true };

export interface Wifi {
  ssid: string;
  psk: string;
  country?: string;
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
  /** apkovl hosts only (required there). */
  storage?: Storage;
  wifi?: Wifi;
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
  clients: Client[];
  /** Settings for apkovl (Alpine) hosts. */
  alpine: {
    /** Alpine release branch for /etc/apk/repositories, e.g. v3.22 */
    branch: string;
    mirror: string;
    ntpServers: string[];
    /** bundle: etcd's binaries ride in the overlay; fetch: downloaded and verified after network and clock are up. */
    etcdInstall: "bundle" | "fetch";
  };
  /**
   * Scheduled snapshots of the local member, on every host: a systemd timer (schedule is an
   * OnCalendar expression) or Alpine's periodic (daily or hourly), keeping the newest `keep`.
   * dir is where systemd hosts keep them; Alpine hosts keep them on the data partition.
   */
  backup?: { schedule: string; keep: number; dir: string };
  /**
   * etcd's plain-HTTP /metrics and /health listener: on 127.0.0.1 only (localhost), or also on the
   * host's own address (host), so that Prometheus can scrape it from elsewhere.
   */
  metrics: { listen: "localhost" | "host"; port: number };
  /** When given, hosts run sshd and accept these keys for root (apkovl hosts; cloud-init hosts keep the image's user). */
  ssh?: { authorizedKeys: string[] };
}
