// What status reports, from cluster answers made up for each case: roles, drift both ways,
// members not started or unreachable, alarms; and the table fits 80 columns with long names.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Alarm, EndpointStatus, Member } from "../../src/cluster/client.js";
import type { MemberHealth } from "../../src/cluster/safety.js";
import { assembleStatusReport, STATUS_FORMAT_VERSION, type SpecMember, type StatusReport } from "../../src/cluster/status-report.js";
import { formatStatusReport, statusWord, TERMINAL_WIDTH } from "../../src/cluster/status-table.js";

const LEADER = "1";

function member(id: number, name: string, options: Partial<Member> = {}): Member {
  return { ID: String(id), name, peerURLs: [`https://10.0.0.${id}:2380`], clientURLs: name ? [`https://10.0.0.${id}:2379`] : [], isLearner: false, ...options };
}

function answered(m: Member, options: Partial<EndpointStatus> = {}): MemberHealth {
  const status: EndpointStatus = {
    version: "3.4.23",
    dbSize: 20_480,
    dbSizeInUse: 16_384,
    leader: LEADER,
    memberId: m.ID,
    raftTerm: 2,
    raftIndex: 40,
    raftAppliedIndex: 40,
    isLearner: m.isLearner,
    errors: [],
    clusterId: "255",
    revision: "7",
    ...options,
  };
  return { member: m, endpoint: m.clientURLs[0] ?? "", status };
}

const specHost = (id: number, name: string): SpecMember => ({ name, peerUrl: `https://10.0.0.${id}:2380` });

function report(health: MemberHealth[], specHosts: SpecMember[], alarms: Alarm[] | { unread: string } = []): StatusReport {
  const hosts = specHosts.map((h) => ({ name: h.name, peerUrls: [h.peerUrl] }));
  return assembleStatusReport({ cluster: "edge", specHosts, survey: { members: health.map((h) => h.member), health, hosts }, alarms });
}

const three = [member(1, "a"), member(2, "b"), member(3, "c")];
const threeHosts = [specHost(1, "a"), specHost(2, "b"), specHost(3, "c")];

test("a healthy cluster: roles, leader, sizes, and the JSON names its format version", () => {
  const r = report(three.map((m) => answered(m)), threeHosts);
  assert.equal(r.healthy, true);
  assert.equal(r.version, STATUS_FORMAT_VERSION);
  assert.deepEqual([r.cluster, r.clusterId, r.leader], ["edge", "ff", "a"]);
  assert.deepEqual(r.members.map((m) => `${m.name}:${m.role}:${statusWord(m)}`), ["a:leader:healthy", "b:follower:healthy", "c:follower:healthy"]);
  const json = JSON.parse(JSON.stringify(r)) as StatusReport;
  assert.equal(json.version, 1);
  assert.deepEqual(Object.keys(json.members[0] ?? {}).sort(), [
    "alarms", "dbSize", "dbSizeInUse", "drift", "endpoint", "errors", "etcdVersion", "healthy", "id", "inSpec", "isLeader", "isLearner",
    "isMember", "name", "peerUrls", "problems", "raftAppliedIndex", "raftIndex", "raftTerm", "reachable", "revision", "role", "started",
  ]);
  const text = formatStatusReport(r, false);
  assert.match(text, /^cluster edge \(ID ff\): healthy, 3 members, leader a\n/);
  assert.match(text, /\na +leader +healthy +3\.4\.23 +20\.0 KiB\n/, "sizes as people read them");
});

test("drift both ways: a member the spec lacks, a spec host that is no member, a stale peer URL", () => {
  const moved = member(2, "b", { peerURLs: ["https://10.0.0.2:2380"] });
  const r = report([answered(three[0]!), answered(moved), answered(three[2]!)], [specHost(1, "a"), { name: "b", peerUrl: "https://10.0.0.22:2380" }, specHost(4, "d")]);
  assert.equal(r.healthy, false);
  assert.deepEqual(r.members.map((m) => `${m.name}:${m.drift}:${statusWord(m)}`), ["a:null:healthy", "b:peer-url:peer URL", "d:not-a-member:not member", "c:not-in-spec:not in spec"]);
  const byName = new Map(r.members.map((m) => [m.name, m]));
  assert.match(byName.get("c")?.problems[0] ?? "", /not a host in the spec: remove it \(etcdboot members remove c\)/);
  assert.match(byName.get("d")?.problems[0] ?? "", /not a member: run etcdboot members add d/);
  assert.match(byName.get("b")?.problems[0] ?? "", /spec says https:\/\/10\.0\.0\.22:2380: run etcdboot members update b/);
  assert.deepEqual([byName.get("d")?.id, byName.get("d")?.role, byName.get("d")?.dbSize], [null, null, null]);
});

test("a learner not started yet is named after the host whose peer URL it has; started, it is a learner by its name", () => {
  const unstarted = member(4, "", { isLearner: true });
  const r = report([...three.map((m) => answered(m)), { member: unstarted, problem: "not started" }], [...threeHosts, specHost(4, "d")]);
  const d = r.members.find((m) => m.name === "d");
  assert.deepEqual([d?.id, d?.role, d?.started, d && statusWord(d), d?.healthy], ["4", "learner", false, "not started", false]);
  assert.match(d?.problems.join() ?? "", /boot it with its artifacts, then etcdboot members promote d/);
  assert.equal(r.members.length, 4, "not also listed as a spec host that is no member");

  const started = member(4, "d", { isLearner: true });
  const later = report([...three.map((m) => answered(m)), answered(started)], [...threeHosts, specHost(4, "d")]);
  assert.equal(later.healthy, true, "a caught-up learner is healthy");
  assert.deepEqual(later.members.map((m) => m.role), ["leader", "follower", "follower", "learner"]);
});

test("an unreachable member: what it would say is unknown, shown as —", () => {
  const r = report([answered(three[0]!), answered(three[1]!), { member: three[2]!, endpoint: "https://10.0.0.3:2379", problem: "unreachable (https://10.0.0.3:2379: connect ECONNREFUSED)" }], threeHosts);
  const c = r.members[2];
  assert.deepEqual([c?.reachable, c?.role, c?.etcdVersion, c?.dbSize, c?.raftIndex, c?.healthy], [false, null, null, null, null, false]);
  const row = formatStatusReport(r, false).split("\n").find((line) => line.startsWith("c "));
  assert.match(row ?? "", /^c +— +unreachable +— +—$/);
  assert.match(formatStatusReport(r, false), /\n\nc: unreachable \(https:\/\/10\.0\.0\.3:2379: connect ECONNREFUSED\)$/);
});

test("a NOSPACE alarm is shown on the member that raised it, once, with what to do", () => {
  const alarmText = "memberID:2 alarm:NOSPACE ";
  const r = report(three.map((m) => answered(m, { errors: [alarmText] })), threeHosts, [{ memberId: "2", alarm: "NOSPACE" }]);
  assert.equal(r.healthy, false);
  assert.deepEqual(r.members.map((m) => `${m.name}:${m.alarms.join()}:${m.errors.length}:${statusWord(m)}`), ["a::0:healthy", "b:NOSPACE:0:NOSPACE", "c::0:healthy"]);
  assert.match(r.members[1]?.problems[0] ?? "", /alarm NOSPACE: the database reached its quota .*etcdctl alarm disarm/);

  const odd = report(three.map((m) => answered(m)), threeHosts, [{ memberId: "3", alarm: "constructor" }]);
  assert.deepEqual(odd.members[2]?.problems, ["alarm constructor"], "an alarm etcdboot does not know is named, without advice");

  const unread = report(three.map((m) => answered(m, { errors: [alarmText] })), threeHosts, { unread: "timed out" });
  assert.equal(unread.alarmsUnread, "timed out");
  assert.ok(unread.members.every((m) => m.errors.includes(alarmText) && !m.healthy), "without the alarm list, etcd's own error text stands");
});

test("no leader is an error of every member that says so", () => {
  const r = report(three.map((m) => answered(m, { leader: "0" })), threeHosts);
  assert.equal(r.leader, null);
  assert.ok(r.members.every((m) => statusWord(m) === "no leader" && !m.healthy));
  assert.match(formatStatusReport(r, false), /^cluster edge \(ID ff\): NOT HEALTHY, 3 members, no leader$/m);
});

test("every line of the default table fits 80 columns with 63-character names; --wide shows them whole", () => {
  const long = (id: number) => `x-k3s-master-${"long".repeat(11)}-rack-${id}`.slice(0, 56) + `-node-${id}`;
  assert.equal(long(1).length, 63);
  const members = [1, 2, 3].map((id) => member(id, long(id)));
  const r = report(
    [answered(members[0]!), answered(members[1]!, { version: "3.4.23-with-a-very-long-build-suffix", dbSize: 8 * 2 ** 30 }), { member: members[2]!, endpoint: "https://10.0.0.3:2379", problem: `unreachable (${"x".repeat(200)})` }],
    [1, 2, 3].map((id) => specHost(id, long(id))),
    [{ memberId: "2", alarm: "NOSPACE" }, { memberId: "2", alarm: "CORRUPT" }],
  );
  const text = formatStatusReport(r, false);
  for (const line of text.split("\n")) assert.ok(line.length <= TERMINAL_WIDTH, `${line.length} columns: ${line}`);
  const rows = text.split("\n").filter((line) => /^x-k3s-master-\S*…/.test(line));
  assert.deepEqual(rows.map((row) => /-node-(\d)\s/.exec(row)?.[1]), ["1", "2", "3"], "each name keeps its end, where hosts differ");
  assert.match(text, /\n {2}x{78}\n/, "a long problem is wrapped, not cut off");
  assert.match(rows[1] ?? "", /8\.0 GiB$/);

  const wide = formatStatusReport(r, true);
  for (const id of [1, 2, 3]) assert.ok(wide.includes(long(id)), "whole names");
  assert.match(wide.split("\n")[1] ?? "", /^NAME +ENDPOINT +ID +ROLE +STATUS +VERSION +DB SIZE +IN USE +RAFT TERM +RAFT INDEX +APPLIED +REVISION$/);
  assert.ok(wide.includes("x".repeat(200)), "problems whole");
});

test("a member no host is: shown by its ID, and the fix names the ID", () => {
  const stranger = member(255, "", { isLearner: true });
  const r = report([...three.map((m) => answered(m)), { member: stranger, problem: "not started" }], threeHosts);
  const row = r.members[3];
  assert.deepEqual([row?.name, row?.id, row?.drift], ["", "ff", "not-in-spec"]);
  assert.match(row?.problems.join("\n") ?? "", /remove it \(etcdboot members remove ff\)/);
  assert.match(formatStatusReport(r, false), /\n\[ff\] +learner +not started +— +—\n/);
});

test("answers that are not etcd's (a stranger at the client URL) make empty values, never a crash", async () => {
  const { createServer } = await import("node:http");
  const odd = [null, [], { members: [null, 5, { ID: 7, name: { x: 1 }, peerURLs: "no", clientURLs: [1, null] }], errors: "x", header: 5, version: 3 }];
  const server = createServer((_req, res) => res.end(JSON.stringify(odd.shift() ?? {})));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { EtcdClient } = await import("../../src/cluster/client.js");
  const client = new EtcdClient({ caCertPem: "", certPem: "", keyPem: "" }, 2000);
  try {
    const address = server.address();
    assert.ok(address && typeof address === "object");
    const url = `http://127.0.0.1:${address.port}`;
    assert.deepEqual(await client.listMembers(url), []);
    assert.deepEqual(await client.alarms(url), []);
    const members = await client.listMembers(url);
    assert.deepEqual(members[2], { ID: "7", name: "", peerURLs: [], clientURLs: ["1", ""], isLearner: false });
    const status = await client.status(url);
    assert.deepEqual([status.errors, status.version, status.clusterId, status.leader], [[], "", "", "0"]);
  } finally {
    await client.close();
    server.close();
  }
});

test("a member name from the network cannot reach the terminal as control characters", () => {
  const hostile = member(9, "evil\u001b[2J\nname");
  const r = report([...three.map((m) => answered(m)), answered(hostile)], threeHosts);
  const text = formatStatusReport(r, false);
  assert.ok(!/[\u0000-\u001f\u007f]/.test(text.replace(/\n/g, "")), "no control character but line ends");
  assert.match(text, /evil\\u\{1b\}\[2J\\u\{a\}name/);
});
