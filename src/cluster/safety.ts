// The rules that keep a membership change safe, as pure functions of what the cluster says
// about itself. Each returns why a step is refused, or undefined when it may go ahead.

import type { EndpointStatus, Member } from "./client.js";
import { hostOfMember, type KnownHost } from "./known-hosts.js";

export interface MemberHealth {
  member: Member;
  endpoint?: string;
  status?: EndpointStatus;
  /** Why it is not healthy: unreachable, errors, no leader, not started. */
  problem?: string;
}

export interface ClusterSurvey {
  members: Member[];
  health: MemberHealth[];
  /** The hosts of the spec and of the last build, to name members that have not started. */
  hosts: KnownHost[];
}

export interface RemoveOptions {
  /** Remove even though the cluster is left without fault tolerance (never below quorum). */
  force?: boolean;
}

const isHealthy = (h: MemberHealth) => h.problem === undefined;

/** A member's name for messages: etcd's, else the host whose peer URL it has, marked not started. */
export function memberLabel(survey: ClusterSurvey, m: Member): string {
  if (m.name !== "") return m.name;
  const host = hostOfMember(m, survey.hosts);
  return `${host ? `${host} ` : ""}(not started, ${m.peerURLs.join(",")})`;
}

/** A learner not yet promoted, or a member added but never started: one change at a time. */
export function pendingChange(survey: ClusterSurvey, except?: string): string | undefined {
  const pending = survey.members.filter((m) => (m.isLearner || m.name === "") && m.ID !== except);
  if (pending.length === 0) return undefined;
  return `a membership change is still pending (${pending.map((m) => memberLabel(survey, m)).join(", ")}): finish it first (boot the host, then etcdboot members promote), or remove it`;
}

function unhealthy(survey: ClusterSurvey): string | undefined {
  const sick = survey.health.filter((h) => !h.member.isLearner && !isHealthy(h));
  return sick.length === 0 ? undefined : `the cluster is not healthy (${sick.map((h) => `${memberLabel(survey, h.member)}: ${h.problem}`).join("; ")}): fix that first (etcdboot status)`;
}

export function refuseAdd(survey: ClusterSurvey, name: string, peerUrl: string): string | undefined {
  if (survey.members.some((m) => m.name === name || m.peerURLs.includes(peerUrl))) return `${name} (${peerUrl}) is already a member`;
  return pendingChange(survey) ?? unhealthy(survey);
}

/**
 * A voter's removal must keep quorum (etcd would stop, or refuse it) and, unless forced, keep
 * fault tolerance: fewer than 3 voters survive no failure. Learners do not vote: always removable.
 */
export function refuseRemove(survey: ClusterSurvey, target: Member, options: RemoveOptions = {}): string | undefined {
  const pending = pendingChange(survey, target.ID);
  if (pending) return pending;
  if (target.isLearner) return undefined;
  const name = memberLabel(survey, target);
  const remaining = survey.health.filter((h) => h.member.ID !== target.ID && !h.member.isLearner);
  if (remaining.length === 0) return `${name} is the only voting member: removing it would leave no cluster`;
  const quorum = Math.floor(remaining.length / 2) + 1;
  const healthy = remaining.filter(isHealthy).length;
  if (healthy < quorum) return `after removing ${name}, only ${healthy} of ${remaining.length} members would be healthy, below the quorum of ${quorum}: bring the others back first`;
  if (!options.force && remaining.length < 3) return withoutFaultTolerance(survey, target, name, remaining.length);
  return undefined;
}

function withoutFaultTolerance(survey: ClusterSurvey, target: Member, name: string, left: number): string {
  const why =
    left === 2
      ? "a 2-member cluster tolerates no failure: with either member down, writes stop (quorum is 2)"
      : "a 1-member cluster has no redundancy: if that member fails, the cluster stops";
  const targetDown = survey.health.some((h) => h.member.ID === target.ID && !isHealthy(h));
  const instead = targetDown
    ? `${name} is down, so a replacement cannot be added first (adding needs a healthy cluster): if it is not coming back, run again with --force, then add the replacement`
    : `add the replacement first (etcdboot members add, boot it, etcdboot members promote), then remove ${name}; or, to shrink the cluster anyway, run again with --force`;
  return `removing ${name} would leave ${left} voting member${left === 1 ? "" : "s"}, and ${why}: ${instead}`;
}

export function refuseUpdate(survey: ClusterSurvey, target: Member, peerUrl: string): string | undefined {
  if (target.peerURLs.length === 1 && target.peerURLs[0] === peerUrl) return `${memberLabel(survey, target)} already has the peer URL ${peerUrl}`;
  // The target itself may be the pending change: a host added, then renumbered before it booted.
  return pendingChange(survey, target.ID) ?? unhealthy(survey);
}
