// The rules that keep a membership change safe, as pure functions of what the cluster says
// about itself. Each returns why a step is refused, or undefined when it may go ahead.

import type { EndpointStatus, Member } from "./client.js";

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
}

const isHealthy = (h: MemberHealth) => h.problem === undefined;
const label = (m: Member) => m.name || `(not started, ${m.peerURLs.join(",")})`;

/** A learner not yet promoted, or a member added but never started: one change at a time. */
export function pendingChange(survey: ClusterSurvey, except?: string): string | undefined {
  const pending = survey.members.filter((m) => (m.isLearner || m.name === "") && m.ID !== except);
  if (pending.length === 0) return undefined;
  return `a membership change is still pending (${pending.map(label).join(", ")}): finish it first (boot the host, then etcdboot members promote), or remove it`;
}

function unhealthy(survey: ClusterSurvey): string | undefined {
  const sick = survey.health.filter((h) => !h.member.isLearner && !isHealthy(h));
  return sick.length === 0 ? undefined : `the cluster is not healthy (${sick.map((h) => `${label(h.member)}: ${h.problem}`).join("; ")}): fix that first (etcdboot status)`;
}

export function refuseAdd(survey: ClusterSurvey, name: string, peerUrl: string): string | undefined {
  if (survey.members.some((m) => m.name === name || m.peerURLs.includes(peerUrl))) return `${name} (${peerUrl}) is already a member`;
  return pendingChange(survey) ?? unhealthy(survey);
}

export function refuseRemove(survey: ClusterSurvey, target: Member): string | undefined {
  const voters = survey.members.filter((m) => !m.isLearner);
  if (!target.isLearner && voters.length <= 2)
    return `the cluster has ${voters.length} voting members: removing one would leave a cluster that stops when any member fails; add a member first`;
  const pending = pendingChange(survey, target.ID);
  if (pending) return pending;
  const remaining = survey.health.filter((h) => h.member.ID !== target.ID && !h.member.isLearner);
  const quorum = Math.floor(remaining.length / 2) + 1;
  const healthy = remaining.filter(isHealthy).length;
  if (!target.isLearner && healthy < quorum)
    return `after removing ${label(target)}, only ${healthy} of ${remaining.length} members would be healthy, below the quorum of ${quorum}: bring the others back first`;
  return undefined;
}

export function refuseUpdate(survey: ClusterSurvey, target: Member, peerUrl: string): string | undefined {
  if (target.peerURLs.length === 1 && target.peerURLs[0] === peerUrl) return `${label(target)} already has the peer URL ${peerUrl}`;
  return pendingChange(survey) ?? unhealthy(survey);
}
