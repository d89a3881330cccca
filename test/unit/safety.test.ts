// The membership-change rules, on cluster descriptions made up for each case.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Member } from "../../src/cluster/client.js";
import { refuseAdd, refuseRemove, refuseUpdate, type ClusterSurvey } from "../../src/cluster/safety.js";

function member(id: number, name: string, options: Partial<Member> = {}): Member {
  return { ID: String(id), name, peerURLs: [`https://10.0.0.${id}:2380`], clientURLs: name ? [`https://10.0.0.${id}:2379`] : [], isLearner: false, ...options };
}

function survey(members: Member[], down: string[] = []): ClusterSurvey {
  return { members, health: members.map((m) => (down.includes(m.name) ? { member: m, problem: "unreachable" } : { member: m })) };
}

const three = [member(1, "a"), member(2, "b"), member(3, "c")];

test("adding is refused while a learner or an unstarted member is pending, or the cluster is unhealthy", () => {
  assert.equal(refuseAdd(survey(three), "d", "https://10.0.0.4:2380"), undefined);
  assert.match(refuseAdd(survey([...three, member(4, "d", { isLearner: true })]), "e", "https://10.0.0.5:2380") ?? "", /pending \(d\)/);
  assert.match(refuseAdd(survey([...three, member(4, "", {})]), "e", "https://10.0.0.5:2380") ?? "", /pending \(\(not started/);
  assert.match(refuseAdd(survey(three, ["c"]), "d", "https://10.0.0.4:2380") ?? "", /not healthy \(c: unreachable\)/);
  assert.match(refuseAdd(survey(three), "a", "https://10.0.0.9:2380") ?? "", /already a member/);
});

test("removing is refused from a 2-member cluster and below quorum", () => {
  assert.match(refuseRemove(survey(three.slice(0, 2)), three[0]!) ?? "", /2 voting members/);
  assert.equal(refuseRemove(survey(three), three[2]!), undefined);
  assert.equal(refuseRemove(survey(three, ["c"]), three[2]!), undefined, "removing the dead member itself is fine");
  const five = [...three, member(4, "d"), member(5, "e")];
  assert.match(refuseRemove(survey(five, ["d", "e"]), five[0]!) ?? "", /only 2 of 4 members would be healthy, below the quorum of 3/);
  assert.equal(refuseRemove(survey([...three, member(4, "d", { isLearner: true })]), member(4, "d", { isLearner: true })), undefined, "a pending learner can be taken back");
});

test("a peer URL update is refused when nothing changes or the cluster is unhealthy", () => {
  assert.match(refuseUpdate(survey(three), three[1]!, "https://10.0.0.2:2380") ?? "", /already has the peer URL/);
  assert.equal(refuseUpdate(survey(three), three[1]!, "https://10.0.0.22:2380"), undefined);
  assert.match(refuseUpdate(survey(three, ["a"]), three[1]!, "https://10.0.0.22:2380") ?? "", /not healthy/);
});
