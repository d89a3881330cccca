// The v1alpha1 spec as the user writes it. Built per run because the allowed target and preset
// names come from profiles/, so an error can list them. Unknown keys are rejected everywhere.

import { z } from "zod";
import { DEFAULT_ETCD_VERSION, isSupportedVersion, parseEtcdVersion, suggestedVersionSpelling, SUPPORTED_MINORS } from "../etcd/version.js";
import { clusterToken, countryCode, dnsName, gatewayAddress, hostFolder, hostName, interfaceName, ipAddress, macAddress, memberAddress, mirrorUrl, ntpServer, port, releaseSource, sha256Hex, snapshotSchedule, sshPublicKey, storageDevice, subjectText, wifiPsk, wifiSsid } from "./fields.js";
import type { Profiles } from "./profiles.js";
import { tuningFields } from "./profiles.js";
import { ARCHS, CLIENT_PURPOSES, type Client } from "./types.js";

export const API_VERSION = "etcdboot/v1alpha1";
export const DEFAULT_DOWNLOAD_URL = "https://github.com/etcd-io/etcd/releases/download";
export const DEFAULT_ALPINE_BRANCH = "v3.22";
export const DEFAULT_ALPINE_MIRROR = "https://dl-cdn.alpinelinux.org/alpine";
export const DEFAULT_BACKUP_DIR = "/var/backups/etcd";

function names(map: ReadonlyMap<string, unknown>): [string, ...string[]] {
  return [...map.keys()] as [string, ...string[]];
}

const etcdVersion = z.string().refine((text) => isExactSupported(text), {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not a supported etcd release: write an exact version of ${SUPPORTED_MINORS.map((m) => `${m}.x`).join(", ")} such as ${suggestedVersionSpelling(String(issue.input)) ?? DEFAULT_ETCD_VERSION} (plain numbers, no leading zeros)`,
});

function isExactSupported(text: string): boolean {
  const version = parseEtcdVersion(text);
  return version !== undefined && isSupportedVersion(version);
}

export function buildSpecSchema(profiles: Profiles) {
  const network = z.strictObject({
    prefix: z.number().int().min(0).max(128).describe("Prefix length of the host's static address (24 for a /24); give it for static addressing, omit the whole network for DHCP"),
    gateway: gatewayAddress.optional().describe("Default router on the host's subnet"),
    dns: z.array(ipAddress).optional().describe("DNS servers"),
    macAddress: macAddress.optional().describe("Match the NIC by this MAC address: the safe choice on VMs"),
    interface: interfaceName.optional().describe("Match the NIC by this name as ip link shows it (no pattern); without macAddress or interface, the target's name pattern (en* on Debian/Ubuntu, eth* on Rocky)"),
  });
  const target = z.enum(names(profiles.targets));
  const arch = z.enum(ARCHS);

  const storage = z.union([
    z.strictObject({
      device: storageDevice.describe("The partition that holds etcd's data: LABEL=etcd-data, UUID=…, PARTUUID=…, PARTLABEL=… or a /dev/ path"),
      fsType: z.enum(["ext4", "xfs", "btrfs", "f2fs"]).default("ext4").describe("Its file system"),
    }),
    z.strictObject({ tmpfs: z.literal(true).describe("No partition: etcd's data in RAM, lost on reboot (lab only)") }),
  ]);
  const wifi = z.strictObject({
    ssid: wifiSsid.describe("Wi-Fi network name: 1-32 bytes of UTF-8"),
    psk: wifiPsk.describe("Wi-Fi passphrase: 8-63 printable ASCII characters, or the key's 64 hex digits"),
    country: countryCode.optional().describe("Regulatory domain: an ISO 3166-1 code such as DE"),
  });

  const host = z.strictObject({
    name: hostName.describe("Host name, etcd member name and certificate CN: lower-case letters, digits, -"),
    address: memberAddress.describe("IPv4 or IPv6 address the other members reach it at: peer and client URLs, the certificate's IP SAN"),
    dnsNames: z.array(dnsName).default([]).describe("Extra DNS names in the host's certificate (its name and localhost are always in)"),
    target: target.optional().describe("OS target (default: defaults.target, else debian-12)"),
    arch: arch.optional().describe("CPU architecture (default: defaults.arch, else amd64)"),
    network: network.partial().optional().describe("Static addressing, merged over defaults.network; omit for DHCP"),
    storage: storage.optional().describe("Alpine targets (required there): etcd's data partition, or {tmpfs: true} (lab only)"),
    wifi: wifi.optional().describe("Alpine targets: join this Wi-Fi network"),
  });

  // A plain name (its key stays in pki/), or a name with what it is for (it gets a bundle in the output): one shape after parsing.
  const client = z
    .union([hostName, z.strictObject({
        name: hostName.describe("Client name: the certificate's CN and the bundle folder's name"),
        for: z.enum(CLIENT_PURPOSES).optional().describe("What the client is: k3s or kube-apiserver get a bundle with a ready snippet in clients/<name>/"),
      })])
    .transform((entry): Client => (typeof entry === "string" ? { name: entry } : entry.for ? { name: entry.name, for: entry.for } : { name: entry.name }));

  return z.strictObject({
    apiVersion: z.literal(API_VERSION).describe("The spec format's version"),
    cluster: z.strictObject({
      name: hostName.describe("Cluster name: names the output and PKI folders"),
      token: clusterToken.optional().describe('etcd\'s initial-cluster-token (default: "<name>-etcd")'),
    }).describe("The cluster's identity"),
    etcd: z
      .strictObject({
        version: etcdVersion.default(DEFAULT_ETCD_VERSION).describe(`An exact etcd release of ${SUPPORTED_MINORS.join(", ")}`),
        downloadUrl: releaseSource.default(DEFAULT_DOWNLOAD_URL).describe("Release mirror with the upstream layout (<url>/vX.Y.Z/…tar.gz and SHA256SUMS); http(s) for hosts that download at boot; no user:password@"),
        sha256: z
          .strictObject({ amd64: sha256Hex.optional().describe("SHA-256 of the amd64 tarball"), arm64: sha256Hex.optional().describe("SHA-256 of the arm64 tarball") })
          .default({})
          .describe("Pinned tarball checksums (etcdboot pin records them in the lock file instead)"),
        clientPort: port.default(2379).describe("etcd's client port"),
        peerPort: port.default(2380).describe("etcd's peer port"),
        install: z.enum(["bundle", "fetch"]).default("bundle").describe("Alpine targets: bundle etcd into the overlay, or fetch and verify it at boot"),
      })
      .default({ version: DEFAULT_ETCD_VERSION, downloadUrl: DEFAULT_DOWNLOAD_URL, sha256: {}, clientPort: 2379, peerPort: 2380, install: "bundle" })
      .describe("The etcd release and its ports"),
    tls: z
      .strictObject({
        algorithm: z.enum(["ecdsa-p256", "rsa-2048", "rsa-4096"]).default("ecdsa-p256").describe("Key algorithm of the CA and every certificate"),
        validityDays: z.number().int().min(1).max(36500).default(3650).describe("Lifetime of host and client certificates, in days"),
        caValidityDays: z.number().int().min(1).max(36500).default(7300).describe("Lifetime of the CA certificate, in days"),
        subject: z
          .strictObject({
            C: countryCode.optional().describe("Country: an ISO 3166-1 code such as DE"),
            ST: subjectText.optional().describe("State or province"),
            L: subjectText.optional().describe("Locality (city)"),
            O: subjectText.optional().describe("Organisation"),
            OU: subjectText.optional().describe("Organisational unit"),
          })
          .default({})
          .describe("Subject fields of every certificate"),
      })
      .default({ algorithm: "ecdsa-p256", validityDays: 3650, caValidityDays: 7300, subject: {} })
      .describe("Certificates"),
    // A preset name, or a preset plus explicit overrides (see normaliseShorthands in load-spec).
    // No default here: without one, the hosts' targets choose (see resolveTuning).
    tuning: z
      .strictObject({
        preset: z.enum(names(profiles.tuningPresets)).optional().describe("Tuning preset the other fields override"),
        heartbeatIntervalMs: tuningFields.heartbeatIntervalMs.optional().describe("Raft heartbeat interval, ms"),
        electionTimeoutMs: tuningFields.electionTimeoutMs.optional().describe("Raft election timeout, ms (at least 5 x the heartbeat)"),
        snapshotCount: tuningFields.snapshotCount.optional().describe("Committed transactions between raft snapshots"),
        quotaBackendBytes: tuningFields.quotaBackendBytes.optional().describe('Database size limit: bytes, or "4GiB"'),
        autoCompaction: tuningFields.autoCompaction.optional().describe('History compaction: {mode: periodic, retention: "1h"} or {mode: revision, retention: 1000}'),
      })
      .default({})
      // `tuning: wan` is short for `tuning: {preset: wan}` (see normaliseShorthands in load-spec).
      .meta({ shorthand: "preset", description: "A preset name, or a preset with explicit overrides (default: raspberry-pi when a Pi is in the cluster, else default)" }),
    defaults: z
      .strictObject({
        target: target.optional().describe("OS target of hosts that name none"),
        arch: arch.optional().describe("CPU architecture of hosts that name none"),
        network: network.partial().optional().describe("Network settings every host's network is merged over"),
      })
      .default({})
      .describe("What applies to every host unless the host says otherwise"),
    hosts: z.array(host).min(1, { error: "a cluster needs at least one host: add entries under hosts:" }).describe("The cluster's members (an odd number: 3 or 5)"),
    clients: z.array(client).default([{ name: "admin" }]).describe("Client certificates to issue (CN = etcd user name): a plain name keeps its key in pki/; {name, for: k3s | kube-apiserver} also writes a bundle to clients/<name>/. etcdctl.env uses admin, else the first plain client"),
    alpine: z
      .strictObject({
        branch: z.string().regex(/^(v\d+\.\d+|edge)$/, { error: "write an Alpine branch such as v3.22 (or edge)" }).default(DEFAULT_ALPINE_BRANCH).describe("Alpine branch of the apk repositories"),
        mirror: mirrorUrl.default(DEFAULT_ALPINE_MIRROR).describe("Alpine package mirror"),
        ntpServers: z.array(ntpServer).min(1).default(["pool.ntp.org"]).describe("Time servers chrony uses"),
      })
      .default({ branch: DEFAULT_ALPINE_BRANCH, mirror: DEFAULT_ALPINE_MIRROR, ntpServers: ["pool.ntp.org"] })
      .describe("Alpine targets: repositories and time"),
    ssh: z.strictObject({ authorizedKeys: z.array(sshPublicKey).min(1).describe("Public keys allowed to log in as root") }).optional().describe("Alpine targets: run sshd with key login"),
    // Where etcd serves /metrics and /health (plain HTTP): loopback only, or also the host's own address.
    // port stays optional so the rules can tell a port the user chose from the default.
    metrics: z
      .strictObject({
        listen: z.enum(["localhost", "host"]).default("localhost").describe("localhost: /metrics and /health on 127.0.0.1 only (scrape through the client port with a client certificate); host: also plain HTTP on the host's own address"),
        port: port.optional().describe("Port of the metrics listener (default: 2381)"),
      })
      .default({ listen: "localhost" })
      .describe("etcd's metrics listener, and what output/<cluster>/prometheus/ scrapes"),
    // Scheduled snapshots on the hosts themselves; off when absent.
    backup: z
      .strictObject({
        schedule: snapshotSchedule.default("daily").describe('daily, hourly, or a systemd OnCalendar expression such as "*-*-* 02:30:00" (Alpine: daily or hourly)'),
        keep: z.number().int().min(1).max(1000).default(7).describe("The newest snapshots kept per host"),
        dir: hostFolder.default(DEFAULT_BACKUP_DIR).describe("Snapshot folder on systemd hosts (Alpine hosts use the data partition)"),
      })
      .optional()
      .describe("Scheduled snapshots on every host (off when absent)"),
  });
}

export type RawSpec = z.output<ReturnType<typeof buildSpecSchema>>;
