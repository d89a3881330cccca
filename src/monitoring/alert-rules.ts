// Alerting rules for one etcdboot cluster, written for this project: every rule selects the
// cluster's scrape job, and the latency thresholds follow the cluster's own tuning (a member whose
// disk takes longer than its heartbeat interval to sync delays heartbeats into elections). Only
// metrics that etcd 3.4 to 3.7 expose on /metrics are used.

import { toYaml } from "../encoders/yaml.js";
import { promqlMatcher } from "../escape/promql.js";
import { commentLine } from "../escape/token.js";
import type { Spec } from "../spec/types.js";
import { jobName } from "./scrape-targets.js";

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: "warning" | "critical" };
  annotations: { summary: string; description: string };
}

/** Share of the quota at which the database alert fires: room left to compact and defragment. */
export const QUOTA_ALERT_RATIO = 0.8;

/** Latency thresholds in seconds, from the heartbeat interval the members run with. */
export function latencyThresholds(spec: Spec): { walFsyncSeconds: number; backendCommitSeconds: number } {
  const heartbeatSeconds = spec.tuning.heartbeatIntervalMs / 1000;
  return { walFsyncSeconds: heartbeatSeconds / 2, backendCommitSeconds: heartbeatSeconds };
}

export function alertRules(spec: Spec): AlertRule[] {
  const job = `{${promqlMatcher("job", jobName(spec))}}`;
  const { walFsyncSeconds, backendCommitSeconds } = latencyThresholds(spec);
  const p99 = (histogram: string) => `histogram_quantile(0.99, sum by (cluster, member, le) (rate(${histogram}${job}[5m])))`;
  const member = "etcd member {{ $labels.member }} of cluster {{ $labels.cluster }}";
  return [
    {
      alert: "EtcdMemberDown",
      expr: `up${job} == 0`,
      for: "2m",
      labels: { severity: "warning" },
      annotations: {
        summary: `${member} is down`,
        description: "Prometheus has not scraped {{ $labels.instance }} for 2 minutes: etcd is stopped, the host is down, or the network between them is cut. The cluster keeps working while a quorum of members is up.",
      },
    },
    {
      alert: "EtcdInsufficientMembers",
      // Quorum is a majority: writes stop once half the members (or more) are gone.
      expr: `sum by (cluster) (up${job}) * 2 <= count by (cluster) (up${job})`,
      for: "1m",
      labels: { severity: "critical" },
      annotations: {
        summary: "etcd cluster {{ $labels.cluster }} has lost its quorum",
        description: "Half of the members or more are down, so the cluster accepts no writes and serves no linearizable reads. Bring members back before removing any.",
      },
    },
    {
      alert: "EtcdNoLeader",
      expr: `etcd_server_has_leader${job} == 0`,
      for: "1m",
      labels: { severity: "critical" },
      annotations: {
        summary: `${member} has no leader`,
        description: "The member is running but sees no leader: it is cut off from its peers (network, firewall, or peer certificates refused — retired, expired, or not yet valid because the clock is wrong), or the cluster has lost its quorum.",
      },
    },
    {
      alert: "EtcdFrequentLeaderChanges",
      expr: `max by (cluster) (increase(etcd_server_leader_changes_seen_total${job}[30m])) > 3`,
      labels: { severity: "warning" },
      annotations: {
        summary: "etcd cluster {{ $labels.cluster }} changed leaders {{ $value | humanize }} times in 30 minutes",
        description: "Frequent elections stall writes each time. Usual causes: slow disks (see EtcdSlowWalFsync), an overloaded host, or a lossy network; slower links need longer timeouts (tuning: wan or raspberry-pi).",
      },
    },
    {
      alert: "EtcdProposalsFailing",
      expr: `increase(etcd_server_proposals_failed_total${job}[15m]) > 5`,
      labels: { severity: "warning" },
      annotations: {
        summary: `${member} saw {{ $value | humanize }} failed proposals in 15 minutes`,
        description: "Proposals fail during leader elections and when the member loses its quorum: writes through it are failing.",
      },
    },
    {
      alert: "EtcdSlowWalFsync",
      expr: `${p99("etcd_disk_wal_fsync_duration_seconds_bucket")} > ${walFsyncSeconds}`,
      for: "10m",
      labels: { severity: "warning" },
      annotations: {
        summary: `${member} syncs its WAL slowly (99th percentile {{ $value | humanizeDuration }})`,
        description: `A WAL fsync above ${walFsyncSeconds * 1000} ms, half the ${spec.tuning.heartbeatIntervalMs} ms heartbeat interval, delays heartbeats and leads to elections: move the data dir to a faster disk (an SSD rather than an SD card), or use longer timeouts.`,
      },
    },
    {
      alert: "EtcdSlowBackendCommit",
      expr: `${p99("etcd_disk_backend_commit_duration_seconds_bucket")} > ${backendCommitSeconds}`,
      for: "10m",
      labels: { severity: "warning" },
      annotations: {
        summary: `${member} commits to its database slowly (99th percentile {{ $value | humanizeDuration }})`,
        description: `Backend commits above the ${spec.tuning.heartbeatIntervalMs} ms heartbeat interval mean the disk cannot keep up with the write load.`,
      },
    },
    {
      alert: "EtcdDatabaseNearQuota",
      // etcd_server_quota_backend_bytes is what the member really runs with; the spec's quota stands in where it is not exposed.
      expr: `(etcd_mvcc_db_total_size_in_bytes${job} / etcd_server_quota_backend_bytes${job} or etcd_mvcc_db_total_size_in_bytes${job} / ${spec.tuning.quotaBackendBytes}) > ${QUOTA_ALERT_RATIO}`,
      for: "10m",
      labels: { severity: "warning" },
      annotations: {
        summary: `the database of ${member} is at {{ $value | humanizePercentage }} of its quota`,
        description: "At the quota etcd raises the NOSPACE alarm and refuses every write. Compact old revisions and defragment (etcdctl compact, etcdctl defrag), then disarm the alarm, or raise tuning.quotaBackendBytes.",
      },
    },
    {
      alert: "EtcdPeerSendFailures",
      // While a member is down its peers fail to reach it anyway: EtcdMemberDown says that already.
      expr: `sum by (cluster, member) (rate(etcd_network_peer_sent_failures_total${job}[5m])) > 0 unless on (cluster) (min by (cluster) (up${job}) == 0)`,
      for: "10m",
      labels: { severity: "warning" },
      annotations: {
        summary: `${member} keeps failing to send to its peers`,
        description: "Every member is up, yet this one cannot reach a peer. Look at its log: a refused certificate (retired, expired, or not yet valid because a clock is wrong) or a firewall between the hosts.",
      },
    },
    {
      alert: "EtcdScrapeJobMissing",
      expr: `absent(up${job})`,
      for: "10m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Prometheus scrapes no target of job {{ $labels.job }}",
        description: "Every etcd alert selects this job: without it none of them can fire. Include the generated scrape job (keep its job_name) or targets.json.",
      },
    },
  ];
}

export function renderAlertRules(spec: Spec): string {
  const rules = alertRules(spec).map(({ for: pending, ...rule }) => ({ alert: rule.alert, expr: rule.expr, ...(pending ? { for: pending } : {}), labels: rule.labels, annotations: rule.annotations }));
  const header = [
    commentLine(`Alerting rules for the etcd cluster ${spec.cluster.name}, generated by etcdboot: load with rule_files in prometheus.yml.`),
    commentLine(`They select the scrape job ${jobName(spec)}; latency thresholds follow the cluster's tuning.`),
  ].join("\n");
  return `${header}\n${toYaml({ groups: [{ name: jobName(spec), rules }] })}`;
}
