// status against a real cluster in network namespaces, as monitoring uses it: exit 0 only when
// every member is healthy and the membership is the spec's hosts. Shown, each with exit 1: a
// learner added but not started (by its host name), then started; drift both ways (a member the
// spec lacks, a spec host that is no member); an unreachable member ("—" for what it cannot
// say); a NOSPACE alarm raised for real by filling a tiny quota. Every line of the default
// table fits 80 columns with 63-character host names; --wide and --json carry the details.

import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { MemberStatus, StatusReport } from "../../src/cluster/status-report.js";
import { SYSTEMD_LAYOUT } from "../../src/etcd/layout.js";
import type { serveFolder } from "../harness/http-server.js";
import { createTestNetwork, type TestNetwork } from "../harness/netns.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { startUnit, type RunningService } from "../harness/service.js";
import { waitUntil } from "../harness/wait.js";
import { REPO, runCli, tempDir } from "../support.js";
import { BOOT_PREREQUISITES, bootCloudInitHost, serveLocalRelease, stopService, waitForHealthyCluster } from "./support/boot.js";

/** Host names as long as a spec allows (63), differing only at the end. */
const longName = (n: number) => `k3s-control-plane-rack-b-row-14-chassis-7-blade-3-etcd-node-${n}`.padStart(63, "x");
const [L1, L2] = [longName(1), longName(2)];
const HOSTS = [
  { name: L1, address: "10.219.0.11" },
  { name: L2, address: "10.219.0.12" },
  { name: "etcd-3", address: "10.219.0.13" },
  { name: "etcd-4", address: "10.219.0.14" },
];
const LEARNER = { name: "etcd-4", address: "10.219.0.14" };
const STRANGER = { name: "etcd-5", address: "10.219.0.15" };
const QUOTA = 1024 * 1024;

describe("status of a running cluster", { timeout: 300_000 }, () => {
  let dir = "";
  let version = "";
  let server: Awaited<ReturnType<typeof serveFolder>> | undefined;
  let network: TestNetwork | undefined;
  const running = new Map<string, RunningService>();
  let ready = false;

  const spec = () => join(dir, "cluster.yaml");
  const outputDir = () => join(dir, "output", "watched");

  async function writeSpec(hosts: { name: string; address: string }[]): Promise<void> {
    const lines = hosts.map((h) => `  - {name: ${h.name}, address: ${h.address}}`);
    await writeFile(spec(), `apiVersion: etcdboot/v1alpha1\ncluster: {name: watched}\netcd: {version: "${version}", downloadUrl: "${server?.baseUrl}"}\ntuning: {quotaBackendBytes: ${QUOTA}}\ndefaults: {network: {prefix: 24}}\nhosts:\n${lines.join("\n")}\n`);
  }

  async function build(): Promise<void> {
    const result = await runCli(["build", spec(), "--out", join(dir, "output"), "--pki", join(dir, "pki"), "--quiet"]);
    assert.equal(result.code, 0, result.err);
  }

  /** The CLI from inside a member's namespace, where the cluster's addresses are reachable. */
  function cli(args: string[], via = "etcd-3") {
    assert.ok(network);
    return network.run(via, [process.execPath, join(REPO, "bin", "etcdboot.js"), ...args, spec(), "--pki", join(dir, "pki")], { timeoutMs: 120_000 });
  }

  async function status(args: string[] = []): Promise<{ code: number | null; table: string; stderr: string; report: StatusReport }> {
    const text = await cli(["status", ...args]);
    const json = await cli(["status", "--json"]);
    assert.equal(json.code, text.code, "--json exits as the table does");
    return { code: text.code, table: text.stdout, stderr: text.stderr, report: JSON.parse(json.stdout) as StatusReport };
  }

  const row = (report: StatusReport, name: string): MemberStatus | undefined => report.members.find((m) => m.name === name);
  const tableRow = (table: string, name: string) => table.split("\n").find((line) => line.startsWith(`${name} `));

  function assertFits80(table: string): void {
    for (const line of table.split("\n")) assert.ok(line.length <= 80, `${line.length} columns: ${line}`);
  }

  async function etcdctlPut(via: string, script: string) {
    assert.ok(network);
    return network.run(via, ["sh", "-c", `. ${join(outputDir(), "etcdctl.env")} && ${script}`], { timeoutMs: 60_000 });
  }

  async function start(host: string): Promise<void> {
    assert.ok(network);
    running.set(host, await startUnit({ network, host, rootDir: join(dir, "hosts", host), unitPath: SYSTEMD_LAYOUT.systemdUnit }));
  }

  async function stop(host: string): Promise<void> {
    const member = running.get(host);
    assert.ok(member);
    running.delete(host);
    await stopService(member);
  }

  async function settled(): Promise<StatusReport> {
    let last: Awaited<ReturnType<typeof status>> | undefined;
    await waitUntil(async () => (last = await status()).code === 0, { timeoutMs: 60_000, description: "status exits 0" }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${last?.table}\n${last?.stderr}`);
    });
    assert.ok(last);
    return last.report;
  }

  before(async () => {
    dir = await tempDir("status");
    const served = await serveLocalRelease(dir);
    version = served?.release.version ?? "";
    server = served?.server;
  });

  after(async () => {
    await network?.destroy();
    await server?.close();
    // Each member's WAL takes 64 MiB from the start: leave no 400 MiB behind per run.
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("a healthy cluster: exit 0, an 80-column table with long names cut, --wide and --json with every field", async (t) => {
    if (!requirePrerequisites(t, BOOT_PREREQUISITES)) return;
    await writeSpec(HOSTS.slice(0, 3));
    await build();
    network = await createTestNetwork([...HOSTS, STRANGER].map((h) => ({ ...h, prefixLength: 24 })));
    for (const { name } of HOSTS.slice(0, 3)) running.set(name, await bootCloudInitHost(network, outputDir(), name, join(dir, "hosts")));
    await waitForHealthyCluster(network, outputDir(), "etcd-3", [...running.values()]);
    ready = true;

    const { code, table, stderr, report } = await status();
    assert.equal(code, 0, `${table}\n${stderr}`);
    assert.equal(stderr, "");
    assertFits80(table);
    assert.match(table, /^cluster watched \(ID [0-9a-f]+\): healthy, 3 members, leader \S+\nNAME +ROLE +STATUS +VERSION +DB SIZE\n/);
    const cut = table.split("\n").filter((line) => /^x+k3s-control-plane-.*….*-etcd-node-[12] /.test(line));
    assert.equal(cut.length, 2, `both long names cut in the middle, keeping their ends:\n${table}`);
    assert.match(tableRow(table, "etcd-3") ?? "", new RegExp(`^etcd-3 +(leader|follower) +healthy +${version.replace(/\./g, "\\.")} +\\d+\\.\\d (KiB|MiB)$`));

    assert.equal(report.version, 1);
    assert.equal(report.healthy, true);
    assert.deepEqual(report.members.map((m) => m.name), HOSTS.slice(0, 3).map((h) => h.name));
    assert.equal(report.members.filter((m) => m.isLeader).length, 1);
    for (const m of report.members) {
      assert.deepEqual([m.healthy, m.reachable, m.started, m.inSpec, m.drift, m.alarms, m.problems], [true, true, true, true, null, [], []]);
      assert.ok(m.dbSize !== null && m.dbSize > 0 && m.dbSizeInUse !== null && m.raftIndex !== null && m.revision !== null && m.etcdVersion === version);
    }

    const wide = await cli(["status", "--wide"]);
    assert.equal(wide.code, 0);
    for (const name of [L1, L2]) assert.ok(wide.stdout.includes(name), `--wide shows ${name} whole`);
    assert.match(wide.stdout, /\nNAME +ENDPOINT +ID +ROLE +STATUS +VERSION +DB SIZE +IN USE +RAFT TERM +RAFT INDEX +APPLIED +REVISION\n/);
    assert.ok(wide.stdout.includes("https://10.219.0.13:2379"));
  });

  test("a learner added but not started shows its host name; started, it is a healthy learner", async () => {
    assert.ok(ready && network, "the cluster is up");
    await writeSpec([...HOSTS.slice(0, 3), LEARNER]);
    await build();
    const added = await cli(["members", "add", LEARNER.name]);
    assert.equal(added.code, 0, added.stderr);

    const pending = await status();
    assert.equal(pending.code, 1);
    assertFits80(pending.table);
    assert.match(tableRow(pending.table, "etcd-4") ?? "", /^etcd-4 +learner +not started +— +—$/);
    assert.match(pending.table, /\netcd-4: added but not started: boot it with its artifacts, then etcdboot members\n {2}promote etcd-4/);
    assert.match(pending.stderr, /^etcdboot: not healthy: etcd-4 \(not started\)$/m);
    const learner = row(pending.report, "etcd-4");
    assert.deepEqual([learner?.isMember, learner?.started, learner?.role, learner?.reachable, learner?.dbSize], [true, false, "learner", false, null]);

    running.set(LEARNER.name, await bootCloudInitHost(network, outputDir(), LEARNER.name, join(dir, "hosts")));
    const caughtUp = await settled();
    assert.deepEqual([row(caughtUp, "etcd-4")?.role, row(caughtUp, "etcd-4")?.started], ["learner", true]);

    // Taken back out, so the next steps start from the 3 members again.
    const removed = await cli(["members", "remove", LEARNER.name]);
    assert.equal(removed.code, 0, removed.stderr);
    await stop(LEARNER.name);
    await writeSpec(HOSTS.slice(0, 3));
    await build();
    assert.equal((await settled()).members.length, 3);
  });

  test("drift both ways exits 1: a member the spec lacks, a spec host that is no member", async () => {
    assert.ok(ready && network, "the cluster is up");
    await writeSpec(HOSTS.slice(0, 2)); // etcd-3 is still a member
    const lacking = await status();
    assert.equal(lacking.code, 1);
    assertFits80(lacking.table);
    assert.match(tableRow(lacking.table, "etcd-3") ?? "", /^etcd-3 +(leader|follower) +not in spec /);
    assert.equal(row(lacking.report, "etcd-3")?.drift, "not-in-spec");
    assert.match(lacking.table, /\netcd-3: a member, but not a host in the spec: remove it \(etcdboot members remove/);

    await writeSpec([...HOSTS.slice(0, 3), STRANGER]); // etcd-5 was never added
    const extra = await status();
    assert.equal(extra.code, 1);
    assert.match(tableRow(extra.table, "etcd-5") ?? "", /^etcd-5 +— +not member +— +—$/);
    assert.deepEqual([row(extra.report, "etcd-5")?.drift, row(extra.report, "etcd-5")?.isMember, row(extra.report, "etcd-5")?.id], ["not-a-member", false, null]);
    assert.ok(extra.report.members.filter((m) => m.name !== "etcd-5").every((m) => m.healthy), "the members themselves are fine");

    await writeSpec(HOSTS.slice(0, 3));
    assert.equal((await status()).code, 0, "back in line");
  });

  test("an unreachable member shows — for what it cannot say, and exits 1", async () => {
    assert.ok(ready && network, "the cluster is up");
    await stop(L2);
    const down = await status();
    assert.equal(down.code, 1);
    assertFits80(down.table);
    const line = down.table.split("\n").find((l) => /-etcd-node-2 /.test(l));
    assert.match(line ?? "", /^x+k3s-.*….*-etcd-node-2 +— +unreachable +— +—$/);
    const m = row(down.report, L2);
    assert.deepEqual([m?.reachable, m?.started, m?.role, m?.etcdVersion, m?.dbSize, m?.raftIndex, m?.healthy], [false, true, null, null, null, null, false]);
    assert.match(m?.problems[0] ?? "", /^unreachable \(https:\/\/10\.219\.0\.12:2379: /);
    assert.ok(down.report.members.filter((x) => x.name !== L2).every((x) => x.healthy), "the others still answer");

    await start(L2);
    await settled();
  });

  test("a NOSPACE alarm, raised by filling the spec's tiny quota, shows and exits 1", async () => {
    assert.ok(ready && network, "the cluster is up");
    // 256 KiB values until etcd refuses: the 1 MiB quota is reached after a few.
    const filled = await etcdctlPut("etcd-3", `for i in 1 2 3 4 5 6 7 8 9 10 11 12; do head -c 262144 /dev/urandom | base64 -w0 | etcdctl put /fill/$i >/dev/null || exit 0; done; exit 1`);
    assert.equal(filled.code, 0, "etcd refused a write before 3 MiB were written");
    assert.match(filled.stderr, /database space exceeded/);

    const full = await status();
    assert.equal(full.code, 1);
    assertFits80(full.table);
    const raised = full.report.members.filter((m) => m.alarms.includes("NOSPACE"));
    assert.ok(raised.length >= 1, JSON.stringify(full.report, null, 2));
    assert.ok(raised.every((m) => !m.healthy && m.errors.every((e) => !/alarm/.test(e))), "each alarm said once, as an alarm");
    assert.match(full.table, /\n\S+ +(leader|follower) +NOSPACE +/);
    assert.match(full.table, /: alarm NOSPACE:\s+the database reached its quota \(tuning\.quotaBackendBytes\)/);
    assert.match(full.stderr, /\(NOSPACE\)/);
  });
});
