// The membership-change rules, on cluster descriptions made up for each case.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Member } from "../../src/cluster/client.js";
import { hostOfMember, memberOfHost, type KnownHost } from "../../src/cluster/known-hosts.js";
import { refuseAdd, refuseRemove, refuseUpdate, type ClusterSurvey } from "../../src/cluster/safety.js";
import { knownHosts } from "../../src/ops/cluster.js";
import { assembleSpec } from "../../src/spec/load-spec.js";
import { loadProfiles } from "../../src/spec/profiles.js";

function member(id: number, name: string, options: Partial<Member> = {}): Member {
  return { ID: String(id), name, peerURLs: [`https://10.0.0.${id}:2380`], clientURLs: name ? [`https://10.0.0.${id}:2379`] : [], isLearner: false, ...options };
}

function survey(members: Member[], down: string[] = [], hosts: KnownHost[] = []): ClusterSurvey {
  return { members, hosts, health: members.map((m) => (down.includes(m.name) ? { member: m, problem: "unreachable" } : { member: m })) };
}

const three = [member(1, "a"), member(2, "b"), member(3, "c")];

test("adding is refused while a learner or an unstarted member is pending, or the cluster is unhealthy", () => {
  assert.equal(refuseAdd(survey(three), "d", "https://10.0.0.4:2380"), undefined);
  assert.match(refuseAdd(survey([...three, member(4, "d", { isLearner: true })]), "e", "https://10.0.0.5:2380") ?? "", /pending \(d\)/);
  assert.match(refuseAdd(survey([...three, member(4, "", {})]), "e", "https://10.0.0.5:2380") ?? "", /pending \(\(not started/);
  assert.match(refuseAdd(survey(three, ["c"]), "d", "https://10.0.0.4:2380") ?? "", /not healthy \(c: unreachable\)/);
  assert.match(refuseAdd(survey(three), "a", "https://10.0.0.9:2380") ?? "", /already a member/);
});

test("removing is refused below quorum, and below 3 voting members unless forced", () => {
  const two = three.slice(0, 2);
  const toTwo = refuseRemove(survey(three), three[2]!) ?? "";
  assert.match(toTwo, /removing c would leave 2 voting members, and a 2-member cluster tolerates no failure: with either member down, writes stop/);
  assert.match(toTwo, /add the replacement first .*; or, to shrink the cluster anyway, run again with --force/);
  assert.match(refuseRemove(survey(two), two[0]!) ?? "", /would leave 1 voting member, and a 1-member cluster has no redundancy/);
  assert.equal(refuseRemove(survey(three), three[2]!, { force: true }), undefined, "--force shrinks to 2");
  assert.equal(refuseRemove(survey(two), two[0]!, { force: true }), undefined, "--force shrinks to 1");
  assert.match(refuseRemove(survey([three[0]!]), three[0]!, { force: true }) ?? "", /a is the only voting member/);

  const four = [...three, member(4, "d")];
  assert.equal(refuseRemove(survey(four), four[3]!), undefined, "4 → 3 keeps fault tolerance");
  const deadTarget = refuseRemove(survey(three, ["c"]), three[2]!) ?? "";
  assert.match(deadTarget, /c is down, so a replacement cannot be added first .*run again with --force/, "a dead member of 3: --force is the way");
  assert.equal(refuseRemove(survey(three, ["c"]), three[2]!, { force: true }), undefined);
  assert.match(refuseRemove(survey(three, ["b"]), three[2]!, { force: true }) ?? "", /only 1 of 2 members would be healthy, below the quorum of 2/, "--force never goes below quorum");

  const five = [...four, member(5, "e")];
  assert.match(refuseRemove(survey(five, ["d", "e"]), five[0]!, { force: true }) ?? "", /only 2 of 4 members would be healthy, below the quorum of 3/);
  const learner = member(4, "d", { isLearner: true });
  assert.equal(refuseRemove(survey([...three, learner]), learner), undefined, "a pending learner can be taken back");
  const unstarted = member(4, "", { isLearner: true });
  assert.equal(refuseRemove(survey([...two, unstarted]), unstarted), undefined, "a learner does not vote: removing it leaves the voters as they are");
  assert.match(refuseRemove(survey([...three, learner]), three[0]!, { force: true }) ?? "", /pending \(d\)/, "--force does not skip one change at a time");
});

test("a member that never started is found by its peer URL, also the one before a renumbering", () => {
  const unstarted = member(4, "", { isLearner: true });
  const members = [...three, unstarted];
  const d: KnownHost = { name: "d", peerUrls: ["https://10.0.0.44:2380", "https://10.0.0.4:2380"] };
  assert.equal(memberOfHost(members, d), unstarted);
  assert.equal(memberOfHost(members, { name: "d", peerUrls: ["https://10.0.0.44:2380"] }), undefined);
  assert.equal(memberOfHost(members, { name: "b", peerUrls: ["https://10.0.0.99:2380"] }), three[1], "a started member by its name");
  assert.equal(memberOfHost(members, { name: "x", peerUrls: ["https://10.0.0.2:2380"] }), undefined, "a started member's URL does not make it another host's");
  assert.equal(hostOfMember(unstarted, [d]), "d");
  assert.equal(hostOfMember(unstarted, []), undefined);
  assert.match(refuseAdd(survey(members, [], [d]), "e", "https://10.0.0.5:2380") ?? "", /pending \(d \(not started, https:\/\/10\.0\.0\.4:2380\)\)/);
});

test("the known hosts are the spec's and the last build's, with both peer URLs of a renumbered host", async () => {
  const loaded = assembleSpec("k.yaml", "apiVersion: etcdboot/v1alpha1\ncluster: {name: k}\nhosts:\n  - {name: a, address: 10.0.0.1}\n  - {name: b, address: 10.0.0.22}\n", await loadProfiles());
  assert.ok(loaded.ok);
  const recorded = (name: string, address: string) => ({ name, address, dnsNames: [], peerUrl: `https://${address}:2380`, clientUrl: "", bootstrap: { clusterState: "new" as const, members: [] }, certificate: { serial: "", notAfter: "" }, artifacts: {} });
  const hosts = knownHosts(loaded.spec, { cluster: "k", retired: [], members: [recorded("b", "10.0.0.2"), recorded("c", "10.0.0.3")] });
  assert.deepEqual(hosts, [
    { name: "a", peerUrls: ["https://10.0.0.1:2380"] },
    { name: "b", peerUrls: ["https://10.0.0.22:2380", "https://10.0.0.2:2380"] },
    { name: "c", peerUrls: ["https://10.0.0.3:2380"] },
  ]);
});

test("a peer URL update is refused when nothing changes or the cluster is unhealthy", () => {
  assert.match(refuseUpdate(survey(three), three[1]!, "https://10.0.0.2:2380") ?? "", /already has the peer URL/);
  assert.equal(refuseUpdate(survey(three), three[1]!, "https://10.0.0.22:2380"), undefined);
  assert.match(refuseUpdate(survey(three, ["a"]), three[1]!, "https://10.0.0.22:2380") ?? "", /not healthy/);
});
