// What `etcdboot status` reports, as a pure function of what the cluster said about itself and
// what the spec wants: each member's role, health and alarms, and the drift between the spec's
// hosts and the cluster's membership (either way). Its JSON form is what monitoring reads.

import { hexMemberId, type Alarm, type Member } from "./client.js";
import { hostOfMember } from "./known-hosts.js";
import type { ClusterSurvey, MemberHealth } from "./safety.js";

/** The JSON's format: raised whenever a field changes meaning or goes away. */
export const STATUS_FORMAT_VERSION = 1;

/** How a host and the membership disagree: a member the spec lacks, a host the cluster lacks, or a stale peer URL. */
export type Drift = "not-in-spec" | "not-a-member" | "peer-url";
export type Role = "leader" | "follower" | "learner";

export interface MemberStatus {
  /** The host's name (for a member that has not started: the host whose peer URL it has); "" when unknown. */
  name: string;
  /** Hex, as etcdctl prints it; null for a spec host that is not a member. */
  id: string | null;
  inSpec: boolean;
  isMember: boolean;
  started: boolean;
  reachable: boolean;
  endpoint: string | null;
  peerUrls: string[];
  /** null when it cannot be known (unreachable, not started, not a member). */
  role: Role | null;
  isLeader: boolean;
  isLearner: boolean;
  etcdVersion: string | null;
  dbSize: number | null;
  dbSizeInUse: number | null;
  raftTerm: number | null;
  raftIndex: number | null;
  raftAppliedIndex: number | null;
  revision: string | null;
  /** Alarms raised by this member: NOSPACE (quota reached, writes refused), CORRUPT. */
  alarms: string[];
  /** What etcd's status says is wrong besides alarms, e.g. "etcdserver: no leader". */
  errors: string[];
  drift: Drift | null;
  /** What is wrong, each saying what to do; empty when healthy. */
  problems: string[];
  healthy: boolean;
}

export interface StatusReport {
  version: typeof STATUS_FORMAT_VERSION;
  cluster: string;
  /** Hex; null when no member answered its status. */
  clusterId: string | null;
  /** The leader's name (or hex ID when it has none); null when no member knows a leader. */
  leader: string | null;
  /** Every member healthy, no alarm, and the membership is the spec's hosts. */
  healthy: boolean;
  members: MemberStatus[];
  /** Why the alarm list could not be read (then alarms only show in the members' errors). */
  alarmsUnread: string | null;
}

/** A host of the spec as the membership should have it. */
export interface SpecMember {
  name: string;
  peerUrl: string;
}

export interface StatusInput {
  cluster: string;
  specHosts: readonly SpecMember[];
  survey: ClusterSurvey;
  alarms: readonly Alarm[] | { unread: string };
}

/** etcd repeats every alarm in each member's status errors (as "memberID:… alarm:NOSPACE"); the alarm list says it once, per member. */
const ALARM_ERROR = /\balarm:\s*[A-Z]/;

/** A Map, not an object: an alarm name comes from the network ("constructor" must find nothing). */
const ALARM_ADVICE = new Map([
  ["NOSPACE", "the database reached its quota (tuning.quotaBackendBytes) and the cluster refuses writes: delete or compact, defragment, then etcdctl alarm disarm; or raise the quota"],
  ["CORRUPT", "its data differs from the other members': remove it and add it again with an empty data folder"],
]);

function finite(value: number | undefined): number | null {
  return value === undefined || !Number.isFinite(value) ? null : value;
}

/** The leader most members name (they agree unless an election is under way); "0" is none. */
function leaderId(health: readonly MemberHealth[]): string | undefined {
  const votes = new Map<string, number>();
  for (const h of health) if (h.status && h.status.leader !== "0") votes.set(h.status.leader, (votes.get(h.status.leader) ?? 0) + 1);
  return [...votes].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function roleOf(member: Member, reachable: boolean, leader: string | undefined): Role | null {
  if (member.isLearner) return "learner";
  if (member.ID === leader) return "leader";
  return reachable ? "follower" : null;
}

function memberStatus(input: StatusInput, h: MemberHealth, leader: string | undefined, alarms: readonly Alarm[] | undefined): MemberStatus {
  const { member, status } = h;
  const name = hostOfMember(member, input.survey.hosts) ?? "";
  const wanted = input.specHosts.find((s) => s.name === name);
  const started = member.name !== "";
  const reachable = status !== undefined;
  // What members remove/promote accept: the host's name, or the hex ID of a member no host is.
  const label = name || hexMemberId(member.ID);
  const own = alarms?.filter((a) => a.memberId === member.ID && a.alarm !== "NONE").map((a) => a.alarm) ?? [];
  const errors = (status?.errors ?? []).filter((e) => alarms === undefined || !ALARM_ERROR.test(e));
  if (status && status.leader === "0" && errors.length === 0) errors.push("no leader");
  const drift: Drift | null = !wanted ? "not-in-spec" : !member.peerURLs.includes(wanted.peerUrl) ? "peer-url" : null;

  const problems: string[] = [];
  if (!started) problems.push(`added but not started: boot it with its artifacts${member.isLearner ? `, then etcdboot members promote ${label}` : ""}`);
  else if (!reachable) problems.push(h.problem ?? "unreachable");
  for (const alarm of own) problems.push(`alarm ${alarm}${ALARM_ADVICE.has(alarm) ? `: ${ALARM_ADVICE.get(alarm)}` : ""}`);
  for (const error of errors) problems.push(`etcd reports: ${error}${/no leader/.test(error) ? " (fewer than a quorum of members reach each other)" : ""}`);
  if (drift === "not-in-spec") problems.push(`a member, but not a host in the spec: remove it (etcdboot members remove ${label}), or put it back in the spec`);
  if (drift === "peer-url" && wanted) problems.push(`peer URL ${member.peerURLs.join(",")}, the spec says ${wanted.peerUrl}: run etcdboot members update ${name}, then restart it at its new address`);

  return {
    name,
    id: hexMemberId(member.ID),
    inSpec: wanted !== undefined,
    isMember: true,
    started,
    reachable,
    endpoint: h.endpoint ?? null,
    peerUrls: member.peerURLs,
    role: roleOf(member, reachable, leader),
    isLeader: member.ID === leader,
    isLearner: member.isLearner,
    etcdVersion: status?.version || null,
    dbSize: finite(status?.dbSize),
    dbSizeInUse: finite(status?.dbSizeInUse),
    raftTerm: finite(status?.raftTerm),
    raftIndex: finite(status?.raftIndex),
    raftAppliedIndex: finite(status?.raftAppliedIndex),
    revision: status?.revision ?? null,
    alarms: own,
    errors,
    drift,
    problems,
    healthy: problems.length === 0,
  };
}

/** A host of the spec that no member is: it was never added (or was removed). */
function missingMember(host: SpecMember): MemberStatus {
  return {
    name: host.name,
    id: null,
    inSpec: true,
    isMember: false,
    started: false,
    reachable: false,
    endpoint: null,
    peerUrls: [host.peerUrl],
    role: null,
    isLeader: false,
    isLearner: false,
    etcdVersion: null,
    dbSize: null,
    dbSizeInUse: null,
    raftTerm: null,
    raftIndex: null,
    raftAppliedIndex: null,
    revision: null,
    alarms: [],
    errors: [],
    drift: "not-a-member",
    problems: [`a host in the spec, but not a member: run etcdboot members add ${host.name}, boot it, then etcdboot members promote ${host.name}`],
    healthy: false,
  };
}

export function assembleStatusReport(input: StatusInput): StatusReport {
  const { health } = input.survey;
  const leader = leaderId(health);
  const alarms = "unread" in input.alarms ? undefined : input.alarms;
  const members = health.map((h) => memberStatus(input, h, leader, alarms));
  const named = new Set(members.map((m) => m.name));
  const missing = input.specHosts.filter((s) => !named.has(s.name)).map(missingMember);
  // The spec's order first (members or not), then the members it lacks.
  const order = (m: MemberStatus) => {
    const i = input.specHosts.findIndex((s) => s.name === m.name);
    return i < 0 ? input.specHosts.length : i;
  };
  const rows = [...members, ...missing].sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name));
  const clusterId = health.find((h) => h.status?.clusterId)?.status?.clusterId;
  const leaderRow = rows.find((m) => m.isLeader);
  return {
    version: STATUS_FORMAT_VERSION,
    cluster: input.cluster,
    clusterId: clusterId ? hexMemberId(clusterId) : null,
    leader: leaderRow ? leaderRow.name || leaderRow.id : null,
    healthy: rows.every((m) => m.healthy),
    members: rows,
    alarmsUnread: "unread" in input.alarms ? input.alarms.unread : null,
  };
}
