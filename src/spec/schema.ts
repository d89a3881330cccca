// The v1alpha1 spec as the user writes it. Built per run because the allowed target and preset
// names come from profiles/, so an error can list them. Unknown keys are rejected everywhere.

import { z } from "zod";
import { DEFAULT_ETCD_VERSION, isSupportedVersion, parseEtcdVersion, suggestedVersionSpelling, SUPPORTED_MINORS } from "../etcd/version.js";
import { clusterToken, countryCode, dnsName, gatewayAddress, hostFolder, hostName, interfaceName, ipAddress, macAddress, memberAddress, mirrorUrl, ntpServer, port, releaseSource, sha256Hex, snapshotSchedule, sshPublicKey, storageDevice, subjectText, wifiPsk, wifiSsid } from "./fields.js";
import type { Profiles } from "./profiles.js";
import { tuningFields } from "./profiles.js";
import { ARCHS } from "./types.js";

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
    prefix: z.number().int().min(0).max(128),
    gateway: gatewayAddress.optional(),
    dns: z.array(ipAddress).optional(),
    macAddress: macAddress.optional(),
    interface: interfaceName.optional(),
  });
  const target = z.enum(names(profiles.targets));
  const arch = z.enum(ARCHS);

  const storage = z.union([
    z.strictObject({
      device: storageDevice,
      fsType: z.enum(["ext4", "xfs", "btrfs", "f2fs"]).default("ext4"),
    }),
    z.strictObject({ tmpfs: z.literal(true) }),
  ]);
  const wifi = z.strictObject({ ssid: wifiSsid, psk: wifiPsk, country: countryCode.optional() });

  const host = z.strictObject({
    name: hostName,
    address: memberAddress,
    dnsNames: z.array(dnsName).default([]),
    target: target.optional(),
    arch: arch.optional(),
    network: network.partial().optional(),
    storage: storage.optional(),
    wifi: wifi.optional(),
  });

  return z.strictObject({
    apiVersion: z.literal(API_VERSION),
    cluster: z.strictObject({
      name: hostName,
      token: clusterToken.optional(),
    }),
    etcd: z
      .strictObject({
        version: etcdVersion.default(DEFAULT_ETCD_VERSION),
        downloadUrl: releaseSource.default(DEFAULT_DOWNLOAD_URL),
        sha256: z.strictObject({ amd64: sha256Hex.optional(), arm64: sha256Hex.optional() }).default({}),
        clientPort: port.default(2379),
        peerPort: port.default(2380),
        install: z.enum(["bundle", "fetch"]).default("bundle"),
      })
      .default({ version: DEFAULT_ETCD_VERSION, downloadUrl: DEFAULT_DOWNLOAD_URL, sha256: {}, clientPort: 2379, peerPort: 2380, install: "bundle" }),
    tls: z
      .strictObject({
        algorithm: z.enum(["ecdsa-p256", "rsa-2048", "rsa-4096"]).default("ecdsa-p256"),
        validityDays: z.number().int().min(1).max(36500).default(3650),
        caValidityDays: z.number().int().min(1).max(36500).default(7300),
        subject: z
          .strictObject({
            C: countryCode.optional(),
            ST: subjectText.optional(),
            L: subjectText.optional(),
            O: subjectText.optional(),
            OU: subjectText.optional(),
          })
          .default({}),
      })
      .default({ algorithm: "ecdsa-p256", validityDays: 3650, caValidityDays: 7300, subject: {} }),
    // A preset name, or a preset plus explicit overrides (see normaliseShorthands in load-spec).
    // No default here: without one, the hosts' targets choose (see resolveTuning).
    tuning: z
      .strictObject({
        preset: z.enum(names(profiles.tuningPresets)).optional(),
        heartbeatIntervalMs: tuningFields.heartbeatIntervalMs.optional(),
        electionTimeoutMs: tuningFields.electionTimeoutMs.optional(),
        snapshotCount: tuningFields.snapshotCount.optional(),
        quotaBackendBytes: tuningFields.quotaBackendBytes.optional(),
        autoCompaction: tuningFields.autoCompaction.optional(),
      })
      .default({}),
    defaults: z
      .strictObject({ target: target.optional(), arch: arch.optional(), network: network.partial().optional() })
      .default({}),
    hosts: z.array(host).min(1, { error: "a cluster needs at least one host: add entries under hosts:" }),
    clients: z.array(hostName).default(["admin"]),
    alpine: z
      .strictObject({
        branch: z.string().regex(/^(v\d+\.\d+|edge)$/, { error: "write an Alpine branch such as v3.22 (or edge)" }).default(DEFAULT_ALPINE_BRANCH),
        mirror: mirrorUrl.default(DEFAULT_ALPINE_MIRROR),
        ntpServers: z.array(ntpServer).min(1).default(["pool.ntp.org"]),
      })
      .default({ branch: DEFAULT_ALPINE_BRANCH, mirror: DEFAULT_ALPINE_MIRROR, ntpServers: ["pool.ntp.org"] }),
    ssh: z.strictObject({ authorizedKeys: z.array(sshPublicKey).min(1) }).optional(),
    // Where etcd serves /metrics and /health (plain HTTP): loopback only, or also the host's own address.
    // port stays optional so the rules can tell a port the user chose from the default.
    metrics: z
      .strictObject({ listen: z.enum(["localhost", "host"]).default("localhost"), port: port.optional() })
      .default({ listen: "localhost" }),
    // Scheduled snapshots on the hosts themselves; off when absent.
    backup: z
      .strictObject({
        schedule: snapshotSchedule.default("daily"),
        keep: z.number().int().min(1).max(1000).default(7),
        dir: hostFolder.default(DEFAULT_BACKUP_DIR),
      })
      .optional(),
  });
}

export type RawSpec = z.output<ReturnType<typeof buildSpecSchema>>;
