// What kind of change a planned file's change is, and what a running member needs for it:
// the installer runs only on first boot, etcd reads renewed certificates on new connections,
// its configuration needs a restart, a network file needs applying. Pure.

import { SNAPSHOT_SCRIPT, SNAPSHOT_SERVICE, SNAPSHOT_TIMER, periodicScript } from "../backup/scheduled-snapshot.js";
import { OPENRC_LAYOUT, SYSTEMD_LAYOUT } from "../etcd/layout.js";

export const CHANGE_KINDS = ["installer", "certificate", "revocation", "ca", "config", "etcd-binary", "network", "backup", "system"] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** The cloud-init output file that carries the network, outside the planned files. */
export const NETWORK_CONFIG_ARTIFACT = "network-config";

const KIND_BY_PATH = new Map<string, ChangeKind>([
  [SYSTEMD_LAYOUT.installScript, "installer"],
  [SYSTEMD_LAYOUT.memberCert, "certificate"],
  [SYSTEMD_LAYOUT.memberKey, "certificate"],
  [SYSTEMD_LAYOUT.crl, "revocation"],
  [SYSTEMD_LAYOUT.caCert, "ca"],
  [SYSTEMD_LAYOUT.configFile, "config"],
  [SYSTEMD_LAYOUT.systemdUnit, "config"],
  [OPENRC_LAYOUT.configFile, "config"],
  [OPENRC_LAYOUT.initScript, "config"],
  [OPENRC_LAYOUT.confFile, "config"],
  ["/etc/network/interfaces", "network"],
  ["/etc/resolv.conf", "network"],
  ["/etc/wpa_supplicant/wpa_supplicant.conf", "network"],
  [SNAPSHOT_SCRIPT, "backup"],
  [SNAPSHOT_SERVICE, "backup"],
  [SNAPSHOT_TIMER, "backup"],
  [periodicScript("daily"), "backup"],
  [periodicScript("hourly"), "backup"],
]);

/** The kind of a planned file, by its path on the host. */
export function fileKind(path: string): ChangeKind {
  const known = KIND_BY_PATH.get(path);
  if (known) return known;
  if (path.startsWith(`${OPENRC_LAYOUT.binDir}/etcd`)) return "etcd-binary";
  return "system";
}

/** Short words for a reason list: "installer only", "configuration", … */
export const KIND_WORDS: Record<ChangeKind, string> = {
  installer: "installer",
  certificate: "certificate",
  revocation: "revocation list",
  ca: "CA certificate",
  config: "etcd configuration",
  "etcd-binary": "etcd binaries",
  network: "network",
  backup: "snapshot schedule",
  system: "system files",
};

/** Whether etcd on a running member must restart for a change of this kind. */
export const RESTARTS_ETCD: Record<ChangeKind, boolean> = {
  installer: false,
  certificate: false,
  revocation: false,
  ca: true,
  config: true,
  "etcd-binary": true,
  network: false,
  backup: false,
  system: false,
};

/** What a running member needs for a change of each kind (host: its name; certCopy: the output's member.crt). */
export function runningMemberStep(kind: ChangeKind, host: string, certCopy: string, keyChanged: boolean): string {
  switch (kind) {
    case "installer":
      return "installer only: nothing to do on the running member (the installer runs only on first boot)";
    case "certificate":
      return keyChanged
        ? `copy ${host}'s new member.crt and member.key to /etc/etcd/pki/ on ${host} (etcd reads certificates again for new connections: no restart)`
        : `copy ${certCopy} to /etc/etcd/pki/member.crt on ${host} (etcd reads certificates again for new connections: no restart)`;
    case "revocation":
      // etcd reads it for every new connection (client and peer): revoked certificates are refused from then on.
      return `copy crl.der to ${SYSTEMD_LAYOUT.crl} on ${host} (etcd reads it for every new connection: no restart)`;
    case "ca":
      return `install the new ca.crt, member.crt and member.key on ${host} and restart etcd there (a new CA: members that still trust the old one refuse it)`;
    case "config":
      return `install ${host}'s new etcd configuration and restart etcd there`;
    case "etcd-binary":
      return `install the new etcd binaries on ${host} and restart etcd there`;
    case "network":
      return `apply ${host}'s new network configuration (or reboot it); etcd keeps its data`;
    case "backup":
      return `install the new snapshot script and schedule on ${host}; etcd keeps running`;
    case "system":
      return `install ${host}'s changed system files (they take effect at its next boot); etcd keeps running`;
  }
}
