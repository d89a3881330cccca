// What Prometheus scrapes for one cluster: one target per member, labelled with the cluster and
// the member's name. With metrics.listen: host that is etcd's plain-HTTP metrics listener on the
// member's own address; otherwise the client port over mutual TLS, the only listener reachable
// from another machine (it serves /metrics too, but asks for a client certificate).

import { urlHost } from "../etcd/config.js";
import type { Spec } from "../spec/types.js";

/** Where a Prometheus server keeps the files the TLS job names (the notes say what to copy there). */
export function tlsFolder(spec: Spec): string {
  return `/etc/prometheus/etcd-${spec.cluster.name}`;
}

/** The client name the notes ask for: Prometheus presents its certificate on the client port. */
export const PROMETHEUS_CLIENT = "prometheus";

export interface ScrapeTarget {
  /** host:port as Prometheus writes it ([v6]:port). */
  address: string;
  labels: { cluster: string; member: string };
}

export interface ScrapeSettings {
  jobName: string;
  scheme: "http" | "https";
  targets: ScrapeTarget[];
  /** For https: the CA that signed the members, and the client certificate and key to present. */
  tls?: { caFile: string; certFile: string; keyFile: string };
}

/** The job name every alert rule selects on: renaming the job silences them (EtcdScrapeJobMissing says so). */
export function jobName(spec: Spec): string {
  return `etcd-${spec.cluster.name}`;
}

export function scrapeSettings(spec: Spec): ScrapeSettings {
  const viaMetricsListener = spec.metrics.listen === "host";
  const targets = spec.hosts.map((host) => ({
    address: `${urlHost(host.address)}:${viaMetricsListener ? spec.metrics.port : spec.etcd.clientPort}`,
    labels: { cluster: spec.cluster.name, member: host.name },
  }));
  if (viaMetricsListener) return { jobName: jobName(spec), scheme: "http", targets };
  const folder = tlsFolder(spec);
  return { jobName: jobName(spec), scheme: "https", targets, tls: { caFile: `${folder}/ca.crt`, certFile: `${folder}/client.crt`, keyFile: `${folder}/client.key` } };
}
