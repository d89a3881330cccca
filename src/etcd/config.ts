// The etcd configuration file of one member, in etcd's config-file form. With --config-file
// etcd ignores every other flag and ETCD_* variable, so this file is the whole configuration
// and nothing can be set twice.

import { isIP } from "node:net";
import { toYaml } from "../encoders/yaml.js";
import { commentLine } from "../escape/token.js";
import type { Host, Spec } from "../spec/types.js";
import type { Bootstrap } from "../state/types.js";
import type { EtcdLayout } from "./layout.js";
import { hasFeatureGates, needsExplicitZapLogger } from "./version.js";

/** IPv6 addresses go in brackets inside URLs (and in Prometheus's host:port targets). */
export function urlHost(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

export function peerUrl(spec: Spec, host: { address: string }): string {
  return `https://${urlHost(host.address)}:${spec.etcd.peerPort}`;
}

export function clientUrl(spec: Spec, host: { address: string }): string {
  return `https://${urlHost(host.address)}:${spec.etcd.clientPort}`;
}

/** etcd's metrics URL on the host's own address (metrics.listen: host). */
function metricsUrl(spec: Spec, host: { address: string }): string {
  return `http://${urlHost(host.address)}:${spec.metrics.port}`;
}

/** Loopback always (local probes), and the host's own address when the spec says metrics.listen: host. */
function metricsListenUrls(spec: Spec, host: { address: string }): string[] {
  const loopback = `http://127.0.0.1:${spec.metrics.port}`;
  return spec.metrics.listen === "host" ? [metricsUrl(spec, host), loopback] : [loopback];
}

function transportSecurity(layout: EtcdLayout) {
  return {
    "cert-file": layout.memberCert,
    "key-file": layout.memberKey,
    "client-cert-auth": true,
    "trusted-ca-file": layout.caCert,
  };
}

/**
 * etcd's --client-crl-file/--peer-crl-file have no key in the file's transport-security blocks,
 * but the file is decoded onto etcd's Go config struct, whose TLS settings take their Go field
 * names: the same in 3.4 through 3.7 (embed.Config.ClientTLSInfo/PeerTLSInfo, TLSInfo.CRLFile, no
 * JSON tags; proven with 3.4.23, read in the source for the others). etcd reads the file on every
 * new TLS connection, so a new CRL needs no restart, and a missing one refuses every connection.
 */
function revocationChecks(layout: EtcdLayout): Record<string, unknown> {
  return { ClientTLSInfo: { CRLFile: layout.crl }, PeerTLSInfo: { CRLFile: layout.crl } };
}

/** Checks that catch a corrupted member before it serves, named per release line. */
function corruptionChecks(spec: Spec): Record<string, unknown> {
  return hasFeatureGates(spec.etcd.version)
    ? { "feature-gates": "InitialCorruptCheck=true" }
    : { "experimental-initial-corrupt-check": true };
}

/** The same for every member that shares a bootstrap, and O(members) long: made once per bootstrap. */
const initialClusters = new WeakMap<Bootstrap, string>();
function initialCluster(spec: Spec, bootstrap: Bootstrap): string {
  let text = initialClusters.get(bootstrap);
  if (text === undefined) {
    text = bootstrap.members.map((member) => `${member.name}=${peerUrl(spec, member)}`).join(",");
    initialClusters.set(bootstrap, text);
  }
  return text;
}

export function renderEtcdConfig(spec: Spec, host: Host, layout: EtcdLayout, bootstrap: Bootstrap): string {
  const { tuning } = spec;
  const config = {
    name: host.name,
    "data-dir": layout.dataDir,
    "listen-peer-urls": peerUrl(spec, host),
    "listen-client-urls": `${clientUrl(spec, host)},https://127.0.0.1:${spec.etcd.clientPort}`,
    // Plain-HTTP /metrics and /health (no keys, no data) for probes without certificates.
    "listen-metrics-urls": metricsListenUrls(spec, host).join(","),
    "advertise-client-urls": clientUrl(spec, host),
    "initial-advertise-peer-urls": peerUrl(spec, host),
    "initial-cluster": initialCluster(spec, bootstrap),
    "initial-cluster-token": spec.cluster.token,
    "initial-cluster-state": bootstrap.clusterState,
    "heartbeat-interval": tuning.heartbeatIntervalMs,
    "election-timeout": tuning.electionTimeoutMs,
    "snapshot-count": tuning.snapshotCount,
    "quota-backend-bytes": tuning.quotaBackendBytes,
    "auto-compaction-mode": tuning.autoCompaction.mode,
    "auto-compaction-retention": tuning.autoCompaction.retention,
    // The JSON gateway (etcdboot status/members use it) is off when etcd reads a config file
    // and the file does not name it (seen with 3.4): say so explicitly.
    "enable-grpc-gateway": true,
    "client-transport-security": transportSecurity(layout),
    "peer-transport-security": transportSecurity(layout),
    ...revocationChecks(layout),
    ...corruptionChecks(spec),
    ...(needsExplicitZapLogger(spec.etcd.version) ? { logger: "zap" } : {}),
    "log-outputs": ["stderr"],
  };
  const header = [
    commentLine(`etcd ${spec.etcd.version.text} configuration of member ${host.name} (cluster ${spec.cluster.name}).`),
    "# Generated by etcdboot: change the cluster spec and rebuild rather than editing this file.",
  ].join("\n");
  return `${header}\n${toYaml(config)}`;
}
