// Which member a snapshot is taken from: a healthy follower by default, so the leader, which
// carries the cluster's writes, is spared; the named host when the user chooses. Pure.

import { UserError } from "../errors.js";
import { hostOfMember } from "../cluster/known-hosts.js";
import type { ClusterSurvey, MemberHealth } from "../cluster/safety.js";

export interface SnapshotSource {
  name: string;
  endpoint: string;
  health: MemberHealth;
}

const isLeader = (h: MemberHealth) => h.status !== undefined && h.status.leader === h.member.ID;

export function chooseSnapshotSource(survey: ClusterSurvey, wanted?: string): SnapshotSource {
  const named = survey.health.map((health) => ({ health, name: hostOfMember(health.member, survey.hosts) ?? health.member.ID }));
  const usable = named.filter(({ health }) => health.problem === undefined && health.endpoint !== undefined && !health.member.isLearner);
  if (wanted !== undefined) {
    const chosen = named.find((n) => n.name === wanted);
    if (!chosen) throw new UserError(`${wanted} is not a member of the cluster (members: ${named.map((n) => n.name).join(", ")})`);
    if (!usable.includes(chosen)) throw new UserError(`${wanted} is not a healthy voting member (${chosen.health.problem ?? "a learner"}): choose another with --member`);
    return { name: chosen.name, endpoint: chosen.health.endpoint ?? "", health: chosen.health };
  }
  const chosen = usable.find((n) => !isLeader(n.health)) ?? usable[0];
  if (!chosen) throw new UserError(`no healthy member to take a snapshot from: ${named.map((n) => `${n.name}: ${n.health.problem ?? "a learner"}`).join("; ")}`);
  return { name: chosen.name, endpoint: chosen.health.endpoint ?? "", health: chosen.health };
}
