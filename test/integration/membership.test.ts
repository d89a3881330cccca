// Hosts change while the cluster runs, with real etcd in network namespaces:
// 3 members → add a 4th (learner, then promoted) → remove one → renumber one.
// After each step: the cluster is healthy, every key written before is readable, the plan
// printed before the step matched what happened, unchanged hosts' artifacts are byte-identical.
// Unsafe steps are refused and change nothing; status agrees with etcdctl endpoint status.
// A member added but never started is named and removed by its peer URL; shrinking to 2
// members needs --force.

import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SYSTEMD_LAYOUT } from "../../src/etcd/layout.js";
import type { ChangePlan } from "../../src/state/change-plan.js";
import type { MemberStatus, StatusReport } from "../../src/cluster/status-report.js";
import type { serveFolder } from "../harness/http-server.js";
import { createTestNetwork, type TestNetwork } from "../harness/netns.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { startUnit, type RunningService } from "../harness/service.js";
import { REPO, runCli, tempDir } from "../support.js";
import type { MemberChange } from "../../src/cli/json-output.js";
import { BOOT_PREREQUISITES, bootCloudInitHost, serveLocalRelease, stopService, etcdctl, provisionCloudInitHost, waitForHealthyCluster } from "./support/boot.js";

interface SpecHost {
  name: string;
  address: string;
}
const ALL = ["etcd-1", "etcd-2", "etcd-3", "etcd-4"].map((name, i) => ({ name, address: `10.217.0.${11 + i}` }));

describe("membership changes on a running cluster", { timeout: 300_000 }, () => {
  let dir = "";
  let version = "";
  let server: Awaited<ReturnType<typeof serveFolder>> | undefined;
  let network: TestNetwork | undefined;
  const running = new Map<string, RunningService>();
  let ready = false;

  const spec = () => join(dir, "cluster.yaml");
  const outputDir = () => join(dir, "output", "moving");
  const pkiArgs = () => ["--pki", join(dir, "pki")];

  async function writeSpec(hosts: SpecHost[]): Promise<void> {
    const lines = hosts.map((h) => `  - {name: ${h.name}, address: ${h.address}}`);
    await writeFile(spec(), `apiVersion: etcdboot/v1alpha1\ncluster: {name: moving}\netcd: {version: "${version}", downloadUrl: "${server?.baseUrl}"}\ndefaults: {network: {prefix: 24}}\nhosts:\n${lines.join("\n")}\n`);
  }

  async function build(): Promise<void> {
    const result = await runCli(["build", spec(), "--out", join(dir, "output"), ...pkiArgs(), "--quiet"]);
    assert.equal(result.code, 0, result.err);
  }

  async function plan(): Promise<ChangePlan> {
    const result = await runCli(["plan", spec(), "--out", join(dir, "output"), ...pkiArgs(), "--json", "--quiet"]);
    assert.equal(result.code, 0, result.err);
    return JSON.parse(result.out) as ChangePlan;
  }

  /** The CLI from inside a member's namespace, where the cluster's addresses are reachable. */
  function cli(via: string, args: string[]) {
    assert.ok(network);
    return network.run(via, [process.execPath, join(REPO, "bin", "etcdboot.js"), ...args, spec(), ...pkiArgs()], { timeoutMs: 120_000 });
  }

  async function artifacts(host: string): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    // latin1: every byte as one character, so the seed image compares exactly like the text files.
    for (const name of ["member.crt", "meta-data", "network-config", "seed.iso", "user-data"]) files.set(name, await readFile(join(outputDir(), "hosts", host, name), "latin1").catch(() => "(none)"));
    return files;
  }

  async function snapshot(hosts: string[]): Promise<Map<string, Map<string, string>>> {
    return new Map(await Promise.all(hosts.map(async (h) => [h, await artifacts(h)] as const)));
  }

  /** The plan's list of written/deleted artifacts equals what actually differs after the build. */
  async function assertPlanMatched(planned: ChangePlan, before: Map<string, Map<string, string>>): Promise<void> {
    for (const line of planned.hosts) {
      const after = await artifacts(line.host);
      const differing = [...after].filter(([name, content]) => before.get(line.host)?.get(name) !== content).map(([name]) => `hosts/${line.host}/${name}`);
      if (line.change === "unchanged") assert.deepEqual(differing, [], `${line.host} was planned unchanged`);
      if (line.change === "new" || line.change === "changed") assert.deepEqual(line.artifacts, differing.filter((p) => !p.endsWith("(none)")).sort(), `${line.host}'s planned artifacts`);
      if (line.change === "removed") assert.ok([...after.values()].every((c) => c === "(none)"), `${line.host}'s artifacts are deleted`);
    }
  }

  async function stop(host: string): Promise<void> {
    const member = running.get(host);
    assert.ok(member);
    running.delete(host);
    await stopService(member);
  }

  async function startAgain(host: string): Promise<void> {
    assert.ok(network);
    running.set(host, await startUnit({ network, host, rootDir: join(dir, "hosts", host), unitPath: SYSTEMD_LAYOUT.systemdUnit }));
  }

  async function healthy(via: string): Promise<MemberStatus[]> {
    assert.ok(network);
    await waitForHealthyCluster(network, outputDir(), via, [...running.values()]);
    const result = await cli(via, ["status", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    return members(result.stdout);
  }

  const members = (json: string) => (JSON.parse(json) as StatusReport).members;

  async function assertKeysReadable(via: string, count: number): Promise<void> {
    assert.ok(network);
    for (let i = 0; i < count; i++) {
      const get = await etcdctl(network, outputDir(), via, ["get", `/moving/${i}`, "--print-value-only"]);
      assert.equal(get.stdout.trim(), `value ${i}`, `key ${i} via ${via}: ${get.stderr}`);
    }
  }

  before(async () => {
    dir = await tempDir("membership");
    const served = await serveLocalRelease(dir);
    version = served?.release.version ?? "";
    server = served?.server;
  });

  after(async () => {
    await network?.destroy();
    await server?.close();
  });

  test("three members form the cluster and take some keys", async (t) => {
    if (!requirePrerequisites(t, BOOT_PREREQUISITES)) return;
    await writeSpec(ALL.slice(0, 3));
    await build();
    network = await createTestNetwork(ALL.map((h) => ({ ...h, prefixLength: 24 })));
    for (const { name } of ALL.slice(0, 3)) running.set(name, await bootCloudInitHost(network, outputDir(), name, join(dir, "hosts")));
    await healthy("etcd-1");
    for (let i = 0; i < 3; i++) assert.equal((await etcdctl(network, outputDir(), "etcd-1", ["put", `/moving/${i}`, `value ${i}`])).code, 0);
    ready = true;
  });

  test("add a 4th: planned, built without touching the others, added as learner, booted, promoted", async () => {
    assert.ok(ready && network, "the cluster is up");
    await writeSpec(ALL);
    const planned = await plan();
    assert.deepEqual(planned.hosts.map((h) => `${h.host}:${h.change}`), ["etcd-1:unchanged", "etcd-2:unchanged", "etcd-3:unchanged", "etcd-4:new"]);
    assert.match(planned.hosts[3]?.clusterSteps[0] ?? "", /^etcdboot members add etcd-4/);
    const before = await snapshot(ALL.map((h) => h.name));
    await build();
    await assertPlanMatched(planned, before);
    const config = await readFile(join(outputDir(), "hosts", "etcd-4", "user-data"), "utf8");
    assert.match(config, /initial-cluster-state: existing/);
    assert.match(config, /initial-cluster: etcd-1=https:\/\/10\.217\.0\.11:2380,etcd-2=.*,etcd-3=.*,etcd-4=https:\/\/10\.217\.0\.14:2380/);

    const added = await cli("etcd-1", ["members", "add", "etcd-4", "--json"]);
    assert.equal(added.code, 0, added.stderr);
    const addition = JSON.parse(added.stdout) as MemberChange & { kind: string; version: number };
    assert.deepEqual({ ...addition, memberId: "" }, { kind: "members", version: 1, action: "add", host: "etcd-4", memberId: "", peerUrlsBefore: [], peerUrlsAfter: ["https://10.217.0.14:2380"], next: `boot etcd-4, then run etcdboot members promote etcd-4 ${spec()}` });
    assert.match(addition.memberId ?? "", /^[0-9a-f]{1,16}$/, "the learner's ID in hex");
    const again = await cli("etcd-1", ["members", "add", "etcd-4"]);
    assert.equal(again.code, 1, "a second add is refused");
    assert.match(again.stderr, /refused: etcd-4 .* is already a member/);
    const removeWhilePending = await cli("etcd-1", ["members", "remove", "etcd-1"]);
    assert.equal(removeWhilePending.code, 1);
    assert.match(removeWhilePending.stderr, /refused: a membership change is still pending/);

    running.set("etcd-4", await bootCloudInitHost(network, outputDir(), "etcd-4", join(dir, "hosts")));
    const promoted = await cli("etcd-1", ["members", "promote", "etcd-4", "--wait", "90", "--json"]);
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.deepEqual(JSON.parse(promoted.stdout), { kind: "members", version: 1, action: "promote", host: "etcd-4", memberId: null, peerUrlsBefore: [], peerUrlsAfter: [], next: "" });
    const rows = await healthy("etcd-4");
    assert.deepEqual(rows.map((r) => `${r.name}:${r.isLearner}:${r.healthy}`).sort(), ALL.map((h) => `${h.name}:false:true`));
    await assertKeysReadable("etcd-4", 3);
  });

  test("remove one: refused below quorum, then removed, its artifacts deleted and its certificate retired", async () => {
    assert.ok(ready && network && running.size === 4, "the 4-member cluster is up");
    // Unsafe: with etcd-4 and etcd-3 down, removing etcd-1 would leave 1 healthy of 2.
    await stop("etcd-4");
    await stop("etcd-3");
    const status = await cli("etcd-1", ["status"]);
    assert.equal(status.code, 1, "status exits non-zero while members are down");
    assert.match(status.stdout, /NOT HEALTHY/);
    assert.match(status.stdout, /\netcd-3 +— +unreachable +— +—\n/);
    const unsafe = await cli("etcd-1", ["members", "remove", "etcd-1"]);
    assert.equal(unsafe.code, 1);
    assert.match(unsafe.stderr, /refused: .*below the quorum/);
    await startAgain("etcd-4");
    await startAgain("etcd-3");
    await healthy("etcd-1");

    const remaining = ALL.filter((h) => h.name !== "etcd-3");
    await writeSpec(remaining);
    const planned = await plan();
    const gone = planned.hosts.find((h) => h.host === "etcd-3");
    assert.equal(gone?.change, "removed");
    assert.match(gone?.clusterSteps[0] ?? "", /^etcdboot members remove etcd-3/);
    // The others only take the new CRL, which lists etcd-3's certificate.
    for (const line of planned.hosts.filter((h) => h.host !== "etcd-3")) {
      assert.deepEqual([line.change, line.reasons], ["changed", ["revocation list"]], line.host);
      assert.match(line.clusterSteps.join("\n"), /^copy crl\.der to \/etc\/etcd\/pki\/crl\.der on /);
    }
    const removed = await cli("etcd-1", ["members", "remove", "etcd-3", "--json"]);
    assert.equal(removed.code, 0, removed.stderr);
    const removal = JSON.parse(removed.stdout) as MemberChange;
    assert.deepEqual([removal.action, removal.host, removal.next], ["remove", "etcd-3", "shut etcd-3 down, drop it from the spec and run etcdboot build"]);
    assert.match(removal.memberId ?? "", /^[0-9a-f]{1,16}$/);
    await stop("etcd-3");
    const before = await snapshot(ALL.map((h) => h.name));
    await build();
    await assertPlanMatched(planned, before);
    const state = JSON.parse(await readFile(join(dir, "pki", "moving", "state.json"), "utf8")) as { retired: { name: string }[] };
    assert.deepEqual(state.retired.map((r) => r.name), ["etcd-3"]);
    const rows = await healthy("etcd-1");
    assert.deepEqual(rows.map((r) => r.name).sort(), ["etcd-1", "etcd-2", "etcd-4"]);
    await assertKeysReadable("etcd-2", 3);
  });

  test("renumber one: new certificate and artifacts for it only, peer URL updated, restarted at its new address", async () => {
    assert.ok(ready && network && running.size === 3, "the 3-member cluster is up");
    const renumbered = ALL.filter((h) => h.name !== "etcd-3").map((h) => (h.name === "etcd-2" ? { ...h, address: "10.217.0.22" } : h));
    await writeSpec(renumbered);
    const planned = await plan();
    const line = planned.hosts.find((h) => h.host === "etcd-2");
    assert.equal(line?.change, "changed");
    assert.ok(line?.reasons.includes("address 10.217.0.12 → 10.217.0.22"));
    assert.match(line?.clusterSteps[0] ?? "", /^etcdboot members update etcd-2/);
    // The others only take the new CRL, which lists etcd-2's old certificate.
    assert.ok(planned.hosts.filter((h) => h.host !== "etcd-2").every((h) => h.change === "changed" && h.reasons.join() === "revocation list"));
    const before = await snapshot(["etcd-1", "etcd-2", "etcd-4"]);
    await build();
    await assertPlanMatched(planned, before);

    const updated = await cli("etcd-1", ["members", "update", "etcd-2", "--json"]);
    assert.equal(updated.code, 0, updated.stderr);
    const update = JSON.parse(updated.stdout) as MemberChange;
    assert.deepEqual([update.action, update.peerUrlsBefore, update.peerUrlsAfter], ["update", ["https://10.217.0.12:2380"], ["https://10.217.0.22:2380"]]);
    await stop("etcd-2");
    const move = await network.run("etcd-2", ["sh", "-c", "ip addr del 10.217.0.12/24 dev eth0 && ip addr add 10.217.0.22/24 dev eth0 && ip -4 -o addr show dev eth0"]);
    assert.match(move.stdout, /10\.217\.0\.22\/24/, move.stderr);
    await provisionCloudInitHost(outputDir(), "etcd-2", join(dir, "hosts")); // new cert and config; the data dir stays
    await startAgain("etcd-2");
    const rows = await healthy("etcd-1");
    assert.ok(rows.every((r) => r.healthy));
    const etcd2 = await etcdctl(network, outputDir(), "etcd-2", ["get", "/moving/0", "--print-value-only"], { ETCDCTL_ENDPOINTS: "https://10.217.0.22:2379" });
    assert.equal(etcd2.stdout.trim(), "value 0", etcd2.stderr);
    await assertKeysReadable("etcd-4", 3);
  });

  test("status agrees with etcdctl endpoint status", async () => {
    assert.ok(ready && network && running.size === 3, "the cluster is up");
    const ours = await cli("etcd-1", ["status", "--json"]);
    assert.equal(ours.code, 0, ours.stderr);
    const theirs = await etcdctl(network, outputDir(), "etcd-1", ["endpoint", "status", "--cluster", "-w", "json"]);
    assert.equal(theirs.code, 0, theirs.stderr);
    type EtcdctlStatus = { Endpoint: string; Status: { header: { member_id: number | string }; version: string; leader: number | string; raftTerm: number; isLearner?: boolean } };
    // etcdctl prints uint64 ids as JSON numbers, which lose digits as JS numbers: keep them as text.
    const exact = theirs.stdout.replace(/"(member_id|leader|cluster_id)":(\d+)/g, '"$1":"$2"');
    const expected = (JSON.parse(exact) as EtcdctlStatus[])
      .map((s) => `${s.Endpoint} ${BigInt(s.Status.header.member_id).toString(16)} ${s.Status.version} leader=${String(s.Status.leader) === String(s.Status.header.member_id)} term=${s.Status.raftTerm}`)
      .sort();
    const actual = members(ours.stdout).map((r) => `${r.endpoint} ${r.id} ${r.etcdVersion} leader=${r.isLeader} term=${r.raftTerm}`).sort();
    assert.deepEqual(actual, expected);
  });

  test("a member added but never started is shown and removed by its host name, or its ID", async () => {
    assert.ok(ready && network && running.size === 3, "the 3-member cluster is up");
    const current = ALL.filter((h) => h.name !== "etcd-3").map((h) => (h.name === "etcd-2" ? { ...h, address: "10.217.0.22" } : h));
    await writeSpec([...current, { name: "etcd-3", address: "10.217.0.13" }]);
    await build();
    const added = await cli("etcd-1", ["members", "add", "etcd-3"]);
    assert.equal(added.code, 0, added.stderr);
    const status = await cli("etcd-1", ["status", "--json"]);
    assert.equal(status.code, 1, "a member that has not started is not healthy");
    const unstarted = members(status.stdout).find((r) => r.name === "etcd-3");
    assert.deepEqual([unstarted?.isLearner, unstarted?.healthy, unstarted?.started, unstarted?.role], [true, false, false, "learner"]);

    const unknown = await cli("etcd-1", ["members", "remove", "etcd-9"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, new RegExp(`etcd-9 is not a member .*etcd-3 \\(not started, https://10\\.217\\.0\\.13:2380\\) \\[${unstarted?.id}\\]`));
    const removed = await cli("etcd-1", ["members", "remove", "etcd-3"]);
    assert.equal(removed.code, 0, removed.stderr);

    // Added again and taken back by its ID, as when no host's peer URL matches it any more.
    assert.equal((await cli("etcd-1", ["members", "add", "etcd-3"])).code, 0);
    const again = members((await cli("etcd-1", ["status", "--json"])).stdout).find((r) => r.name === "etcd-3");
    assert.ok(again?.id);
    const byId = await cli("etcd-1", ["members", "remove", again.id]);
    assert.equal(byId.code, 0, byId.stderr);
    await writeSpec(current);
    await build();
    const rows = await healthy("etcd-1");
    assert.deepEqual(rows.map((r) => r.name).sort(), ["etcd-1", "etcd-2", "etcd-4"]);
  });

  test("removing down to 2 members is refused, and done with --force", async () => {
    assert.ok(ready && network && running.size === 3, "the 3-member cluster is up");
    const refused = await cli("etcd-1", ["members", "remove", "etcd-4"]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /refused: removing etcd-4 would leave 2 voting members, and a 2-member cluster tolerates no failure: with either member down, writes stop .*add the replacement first.*--force/);
    assert.equal((await healthy("etcd-1")).length, 3, "nothing changed");

    const forced = await cli("etcd-1", ["members", "remove", "etcd-4", "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    await stop("etcd-4");
    await writeSpec(ALL.filter((h) => h.name === "etcd-1").concat({ name: "etcd-2", address: "10.217.0.22" }));
    await build();
    const rows = await healthy("etcd-1");
    assert.deepEqual(rows.map((r) => `${r.name}:${r.healthy}`).sort(), ["etcd-1:true", "etcd-2:true"]);
    await assertKeysReadable("etcd-2", 3);
  });
});
