// Spec + PKI → the files each host needs. Pure: the PKI arrives as PEM text.

import { renderEtcdConfig } from "../etcd/config.js";
import { renderInstallScript } from "../etcd/install-script.js";
import { ETCD_GROUP, ETCD_USER, SYSTEMD_LAYOUT as HOST_PATHS } from "../etcd/layout.js";
import { renderSystemdUnit } from "../etcd/systemd-unit.js";
import type { ClusterPki } from "../pki/types.js";
import type { Host, Spec } from "../spec/types.js";
import type { HostPlan, PlannedFile } from "./types.js";

const rootFile = (path: string, mode: number, content: string): PlannedFile => ({ path, mode, owner: "root", group: "root", content });
const etcdFile = (path: string, mode: number, content: string): PlannedFile => ({ path, mode, owner: ETCD_USER, group: ETCD_GROUP, content });

export function planHost(spec: Spec, host: Host, pki: ClusterPki): HostPlan {
  const member = pki.hosts.get(host.name);
  if (!member) throw new Error(`no certificate was issued for host ${host.name}`);
  const pinnedSha256 = spec.etcd.sha256[host.arch];
  const installScript = renderInstallScript({
    version: spec.etcd.version,
    arch: host.arch,
    downloadUrl: spec.etcd.downloadUrl,
    layout: HOST_PATHS,
    ...(pinnedSha256 ? { pinnedSha256 } : {}),
  });
  const files = [
    rootFile(HOST_PATHS.caCert, 0o644, pki.caCertPem),
    etcdFile(HOST_PATHS.memberCert, 0o644, member.certPem),
    etcdFile(HOST_PATHS.memberKey, 0o600, member.keyPem),
    rootFile(HOST_PATHS.configFile, 0o644, renderEtcdConfig(spec, host, HOST_PATHS)),
    rootFile(HOST_PATHS.systemdUnit, 0o644, renderSystemdUnit(spec, host)),
    rootFile(HOST_PATHS.installScript, 0o755, installScript),
  ].sort((a, b) => a.path.localeCompare(b.path));
  return {
    host,
    files,
    serviceUser: { name: ETCD_USER, home: HOST_PATHS.dataDir, shell: host.target.nologinShell },
    // Chained with && so a failed install never starts etcd (runcmd has no `set -e`);
    // --no-block because etcd reports ready only at quorum, when its peers are up too.
    firstBoot: `${HOST_PATHS.installScript} && systemctl daemon-reload && systemctl enable --now --no-block etcd.service`,
  };
}

export function planCluster(spec: Spec, pki: ClusterPki): HostPlan[] {
  return spec.hosts.map((host) => planHost(spec, host, pki));
}
