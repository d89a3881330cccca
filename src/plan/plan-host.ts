// Spec + PKI (+ release binaries to bundle) → the files each host needs. Pure: keys arrive as
// PEM text and binaries as bytes. Every target shares the etcd base (certificates and config);
// each init system adds its own service definition and boot wiring.

import { renderEtcdConfig } from "../etcd/config.js";
import { renderInstallScript } from "../etcd/install-script.js";
import { ETCD_GROUP, ETCD_USER, OPENRC_LAYOUT, SYSTEMD_LAYOUT, type EtcdLayout } from "../etcd/layout.js";
import { renderOpenrcConf, renderOpenrcScript } from "../etcd/openrc-script.js";
import { renderSystemdUnit } from "../etcd/systemd-unit.js";
import { authorizedKeysFile } from "../escape/authorized-keys.js";
import { hostnameFile } from "../escape/etc-hosts.js";
import type { ClusterPki } from "../pki/types.js";
import { periodicScript, renderSnapshotScript, renderSnapshotService, renderSnapshotTimer, SNAPSHOT_SCRIPT, SNAPSHOT_SERVICE, SNAPSHOT_TIMER } from "../backup/scheduled-snapshot.js";
import type { Arch, Host, Spec } from "../spec/types.js";
import {
  alpinePackages,
  renderChronyConf,
  renderEtcHosts,
  renderFstab,
  renderInterfaces,
  renderRepositories,
  renderResolvConf,
  renderWpaSupplicant,
} from "./alpine-system.js";
import type { HostPlan, PlannedDirectory, PlannedFile, PlannedLink } from "./types.js";
import { freshBootstraps } from "../state/bootstrap.js";
import type { Bootstrap } from "../state/types.js";

/** Per arch, the release's binaries by name (etcd, etcdctl, etcdutl), for hosts that bundle them. */
export type ReleaseBinaries = ReadonlyMap<Arch, ReadonlyMap<string, Uint8Array>>;

const rootFile = (path: string, mode: number, content: string | Uint8Array): PlannedFile => ({ path, mode, owner: "root", group: "root", content });
const etcdFile = (path: string, mode: number, content: string): PlannedFile => ({ path, mode, owner: ETCD_USER, group: ETCD_GROUP, content });
const byPath = <T extends { path: string }>(a: T, b: T) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

function etcdBase(spec: Spec, host: Host, pki: ClusterPki, layout: EtcdLayout, bootstrap: Bootstrap): PlannedFile[] {
  const member = pki.hosts.get(host.name);
  if (!member) throw new Error(`no certificate was issued for host ${host.name}`);
  return [
    rootFile(layout.caCert, 0o644, pki.caCertPem),
    rootFile(layout.crl, 0o644, pki.revocationList.der),
    etcdFile(layout.memberCert, 0o644, member.certPem),
    { ...etcdFile(layout.memberKey, 0o600, member.keyPem), secret: true },
    rootFile(layout.configFile, 0o644, renderEtcdConfig(spec, host, layout, bootstrap)),
  ];
}

function installScript(spec: Spec, host: Host, layout: EtcdLayout): PlannedFile {
  const pinnedSha256 = spec.etcd.sha256[host.arch];
  const script = renderInstallScript({
    version: spec.etcd.version,
    arch: host.arch,
    downloadUrl: spec.etcd.downloadUrl,
    layout,
    ...(pinnedSha256 ? { pinnedSha256 } : {}),
  });
  return rootFile(layout.installScript, 0o755, script);
}

/** Alpine keeps snapshots on the data partition, beside etcd's data dir: the root is in RAM. */
export const ALPINE_SNAPSHOT_DIR = `${OPENRC_LAYOUT.dataMount}/snapshots`;

function snapshotScript(spec: Spec, host: Host, layout: EtcdLayout, backup: NonNullable<Spec["backup"]>, alpine: boolean): string {
  return renderSnapshotScript({
    member: host.name,
    version: spec.etcd.version,
    layout,
    clientPort: spec.etcd.clientPort,
    dir: alpine ? ALPINE_SNAPSHOT_DIR : backup.dir,
    keep: backup.keep,
    ...(alpine ? { requiredMount: OPENRC_LAYOUT.dataMount } : {}),
    syslog: alpine,
  });
}

/** systemd: the script, its oneshot service and the timer (enabled at first boot). */
function systemdBackupFiles(spec: Spec, host: Host): PlannedFile[] {
  if (!spec.backup) return [];
  return [
    rootFile(SNAPSHOT_SCRIPT, 0o700, snapshotScript(spec, host, SYSTEMD_LAYOUT, spec.backup, false)),
    rootFile(SNAPSHOT_SERVICE, 0o644, renderSnapshotService(host.name)),
    rootFile(SNAPSHOT_TIMER, 0o644, renderSnapshotTimer(host.name, spec.backup.schedule)),
  ];
}

/** Alpine: run by crond through /etc/periodic (the spec rules allow only daily or hourly here). */
function openrcBackupFiles(spec: Spec, host: Host): PlannedFile[] {
  if (!spec.backup) return [];
  const period = spec.backup.schedule === "hourly" ? "hourly" : "daily";
  return [rootFile(periodicScript(period), 0o700, snapshotScript(spec, host, OPENRC_LAYOUT, spec.backup, true))];
}

function planSystemdHost(spec: Spec, host: Host, pki: ClusterPki, bootstrap: Bootstrap): HostPlan {
  const layout = SYSTEMD_LAYOUT;
  const files = [
    ...etcdBase(spec, host, pki, layout, bootstrap),
    rootFile(layout.systemdUnit, 0o644, renderSystemdUnit(spec, host)),
    installScript(spec, host, layout),
    ...systemdBackupFiles(spec, host),
  ];
  const enableTimer = spec.backup ? " && systemctl enable --now etcd-snapshot.timer" : "";
  return {
    host,
    files: files.sort(byPath),
    directories: [],
    links: [],
    serviceUser: { name: ETCD_USER, home: layout.dataDir, shell: host.target.nologinShell },
    // Chained with && so a failed install never starts etcd (runcmd has no `set -e`);
    // --no-block because etcd reports ready only at quorum, when its peers are up too.
    firstBoot: `${layout.installScript} && systemctl daemon-reload && systemctl enable --now --no-block etcd.service${enableTimer}`,
  };
}

function bundledBinaries(host: Host, releases: ReleaseBinaries): PlannedFile[] {
  const binaries = releases.get(host.arch);
  if (!binaries) throw new Error(`no etcd release for ${host.arch} was fetched to bundle into ${host.name}'s overlay`);
  return [...binaries].map(([name, bytes]) => rootFile(`${OPENRC_LAYOUT.binDir}/${name}`, 0o755, bytes));
}

/** OpenRC starts a service at boot when its runlevel holds a link to the init script. */
function runlevelLinks(spec: Spec, host: Host): PlannedLink[] {
  const services: [string, string][] = [
    ["boot", "networking"],
    ["boot", "localmount"],
    ["default", "chronyd"],
    ["default", "etcd"],
  ];
  if (host.target.hasRtc === false) services.push(["boot", "swclock"]);
  if (host.wifi) services.push(["boot", "wpa_supplicant"]);
  if (spec.ssh) services.push(["default", "sshd"]);
  if (spec.backup) services.push(["default", "crond"]);
  return services.map(([level, service]) => ({ path: `/etc/runlevels/${level}/${service}`, target: `/etc/init.d/${service}` }));
}

function planOpenrcHost(spec: Spec, host: Host, pki: ClusterPki, bootstrap: Bootstrap, releases: ReleaseBinaries): HostPlan {
  const layout = OPENRC_LAYOUT;
  const resolvConf = renderResolvConf(host);
  const files = [
    ...etcdBase(spec, host, pki, layout, bootstrap),
    rootFile(layout.initScript, 0o755, renderOpenrcScript(spec, host)),
    rootFile(layout.confFile, 0o644, renderOpenrcConf(spec, host)),
    ...(spec.alpine.etcdInstall === "bundle" ? bundledBinaries(host, releases) : [installScript(spec, host, layout)]),
    rootFile("/etc/hostname", 0o644, hostnameFile(host.name)),
    rootFile("/etc/hosts", 0o644, renderEtcHosts(bootstrap)),
    rootFile("/etc/network/interfaces", 0o644, renderInterfaces(host)),
    ...(resolvConf ? [rootFile("/etc/resolv.conf", 0o644, resolvConf)] : []),
    rootFile("/etc/apk/repositories", 0o644, renderRepositories(spec, host)),
    rootFile("/etc/apk/world", 0o644, `${alpinePackages(spec, host).join("\n")}\n`),
    // Present and empty: Alpine's initramfs then also enables its default boot services.
    rootFile("/etc/.default_boot_services", 0o644, ""),
    rootFile("/etc/chrony/chrony.conf", 0o644, renderChronyConf(spec)),
    rootFile("/etc/fstab", 0o644, renderFstab(host)),
    ...(host.wifi ? [{ ...rootFile("/etc/wpa_supplicant/wpa_supplicant.conf", 0o600, renderWpaSupplicant(host.wifi)), secret: true }] : []),
    ...(spec.ssh ? [rootFile("/root/.ssh/authorized_keys", 0o600, authorizedKeysFile(spec.ssh.authorizedKeys))] : []),
    ...openrcBackupFiles(spec, host),
  ];
  const directories: PlannedDirectory[] = [
    // The data partition's mount point; etcd's own 0700 data dir is made inside it at start.
    { path: layout.dataMount, mode: 0o755, owner: "root", group: "root" },
    // Alpine's /root is 0700: state it, or the archive's implied 0755 parent would loosen it.
    ...(spec.ssh
      ? [
          { path: "/root", mode: 0o700, owner: "root", group: "root" },
          { path: "/root/.ssh", mode: 0o700, owner: "root", group: "root" },
        ]
      : []),
  ];
  return {
    host,
    files: files.sort(byPath),
    directories: directories.sort(byPath),
    links: runlevelLinks(spec, host).sort(byPath),
    serviceUser: { name: ETCD_USER, home: layout.dataMount, shell: host.target.nologinShell },
    firstBoot: "",
  };
}

export interface ClusterInputs {
  pki: ClusterPki;
  /** Per host name; default: a new cluster of every host in the spec. */
  bootstraps?: ReadonlyMap<string, Bootstrap>;
  releases?: ReleaseBinaries;
}

export function planHost(spec: Spec, host: Host, inputs: ClusterInputs): HostPlan {
  const bootstrap = (inputs.bootstraps ?? freshBootstraps(spec)).get(host.name);
  if (!bootstrap) throw new Error(`no bootstrap for host ${host.name}`);
  return host.target.format === "apkovl"
    ? planOpenrcHost(spec, host, inputs.pki, bootstrap, inputs.releases ?? new Map())
    : planSystemdHost(spec, host, inputs.pki, bootstrap);
}

export function planCluster(spec: Spec, inputs: ClusterInputs): HostPlan[] {
  const bootstraps = inputs.bootstraps ?? freshBootstraps(spec);
  return spec.hosts.map((host) => planHost(spec, host, { ...inputs, bootstraps }));
}

const bundles = (spec: Spec, host: Host) => host.target.format === "apkovl" && spec.alpine.etcdInstall === "bundle";

/** The archs whose release hosts download at first boot (and should be pinned in the lock). */
export function archsDownloadedAtBoot(spec: Spec): Arch[] {
  return [...new Set(spec.hosts.filter((h) => !bundles(spec, h)).map((h) => h.arch))].sort();
}

/** The archs whose release binaries must be bundled into overlays. */
export function archsToBundle(spec: Spec): Arch[] {
  return [...new Set(spec.hosts.filter((h) => bundles(spec, h)).map((h) => h.arch))].sort();
}
