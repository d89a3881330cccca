// Backups and disaster recovery with real etcd in network namespaces: keys written, a snapshot
// saved (from a follower, its hash checked, accepted by etcdctl snapshot status), more keys
// written, every member's data destroyed, each host's restore.sh run in its namespace: the
// cluster is healthy again with the snapshot's keys and not the later ones, under a new cluster
// ID, and the old data is still there. A snapshot cut short (its member killed mid-stream)
// leaves no file; a snapshot with a flipped byte is refused by restore; so is a restore while
// the cluster is healthy. The scheduled snapshot service runs for real on a host: a snapshot
// etcdctl accepts, the newest `keep` kept, and a visible failure when its member is down; the
// Alpine variant writes to the mounted data partition and skips when it is not mounted.

import type { StatusReport } from "../../src/cluster/status-report.js";
import assert from "node:assert/strict";
import { chmod, copyFile, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { renderSnapshotScript, SNAPSHOT_SERVICE } from "../../src/backup/scheduled-snapshot.js";
import { parseEtcdVersion } from "../../src/etcd/version.js";
import { ALPINE_SNAPSHOT_DIR } from "../../src/plan/plan-host.js";
import { OPENRC_LAYOUT, SYSTEMD_LAYOUT } from "../../src/etcd/layout.js";
import { runCommand } from "../harness/exec.js";
import { hostPath, hostRootArgv } from "../harness/host-root.js";
import { serveFolder } from "../harness/http-server.js";
import { createTestNetwork, type TestNetwork } from "../harness/netns.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { installedEtcdVersion, makeUpstreamRelease } from "../harness/release.js";
import { startUnit, type RunningService } from "../harness/service.js";
import { waitUntil } from "../harness/wait.js";
import { REPO, runCli, tempDir } from "../support.js";
import { BOOT_PREREQUISITES, bootCloudInitHost, buildCluster, etcdctl, waitForHealthyCluster } from "./support/boot.js";

const HOSTS = ["etcd-1", "etcd-2", "etcd-3"].map((name, i) => ({ name, address: `10.219.0.${11 + i}` }));
const SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

interface Facts {
  file: string;
  member: string;
  clusterId: string;
  revision: number;
  size: number;
  sha256: string;
}

describe("snapshot save and restore on a running cluster", { timeout: 600_000 }, () => {
  let dir = "";
  let server: Awaited<ReturnType<typeof serveFolder>> | undefined;
  let network: TestNetwork | undefined;
  let outputDir = "";
  const running = new Map<string, RunningService>();
  let saved: Facts | undefined;
  let oldClusterId = "";

  const spec = () => join(dir, "cluster.yaml");
  const snapshots = () => join(dir, "snapshots");
  const rootOf = (host: string) => join(dir, "hosts", host);

  function cli(via: string, args: string[]) {
    assert.ok(network);
    return network.run(via, [process.execPath, join(REPO, "bin", "etcdboot.js"), ...args, spec(), "--pki", join(dir, "pki")], { timeoutMs: 120_000 });
  }

  async function stop(host: string, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const member = running.get(host);
    assert.ok(member);
    running.delete(host);
    if (member.child.exitCode !== null || member.child.signalCode !== null) return;
    const exited = new Promise((resolve) => member.child.once("exit", resolve));
    member.child.kill(signal);
    await exited;
  }

  async function clusterId(via: string): Promise<string> {
    assert.ok(network);
    const status = await etcdctl(network, outputDir, via, ["endpoint", "status", "-w", "json"]);
    assert.equal(status.code, 0, status.stderr);
    const id = /"cluster_id":(\d+)/.exec(status.stdout)?.[1];
    assert.ok(id, status.stdout);
    return BigInt(id).toString(16);
  }

  async function get(via: string, key: string): Promise<string> {
    assert.ok(network);
    const result = await etcdctl(network, outputDir, via, ["get", key, "--print-value-only"]);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.trim();
  }

  before(async () => {
    dir = await tempDir("backup");
    const version = await installedEtcdVersion().catch(() => "");
    if (!version) return;
    await makeUpstreamRelease(join(dir, "releases"), version);
    server = await serveFolder(join(dir, "releases"));
    const lines = HOSTS.map((h) => `  - {name: ${h.name}, address: ${h.address}}`);
    outputDir = await buildCluster(dir, "vault", `apiVersion: etcdboot/v1alpha1\ncluster: {name: vault}\netcd: {version: "${version}", downloadUrl: "${server.baseUrl}"}\ndefaults: {network: {prefix: 24}}\nbackup: {schedule: daily, keep: 2}\nhosts:\n${lines.join("\n")}\n`);
    await runCommand(["mkdir", "-p", snapshots()]);
  });

  after(async () => {
    await network?.destroy();
    await server?.close();
  });

  test("a snapshot is streamed from a follower, checked, named with its revision, and etcdctl accepts it", async (t) => {
    if (!requirePrerequisites(t, BOOT_PREREQUISITES)) return;
    network = await createTestNetwork(HOSTS.map((h) => ({ ...h, prefixLength: 24 })));
    for (const { name } of HOSTS) running.set(name, await bootCloudInitHost(network, outputDir, name, join(dir, "hosts")));
    await waitForHealthyCluster(network, outputDir, "etcd-1", [...running.values()]);
    for (let i = 0; i < 3; i++) assert.equal((await etcdctl(network, outputDir, "etcd-1", ["put", `/vault/before-${i}`, `kept ${i}`])).code, 0);
    oldClusterId = await clusterId("etcd-1");

    const result = await cli("etcd-1", ["snapshot", "save", "-o", snapshots(), "--json"]);
    assert.equal(result.code, 0, result.stderr);
    saved = JSON.parse(result.stdout) as Facts;
    assert.deepEqual(Object.keys(saved).slice(0, 4), ["kind", "version", "file", "factsFile"], "the versioned shape (README)");
    assert.equal((saved as Facts & { kind: string }).kind, "snapshot");
    assert.match(saved.file, new RegExp(`^${snapshots()}/vault-\\d{8}T\\d{4}Z-r${saved.revision}\\.db$`));
    assert.equal((await stat(saved.file)).mode & 0o777, 0o600, "a snapshot holds every key: 0600");
    assert.deepEqual((await readdir(snapshots())).sort(), [`${saved.file.split("/").pop()}`, `${saved.file.split("/").pop()}.json`], "no temporary file left");
    const facts = JSON.parse(await readFile(`${saved.file}.json`, "utf8")) as Facts;
    assert.deepEqual([facts.sha256, facts.size, facts.clusterId], [saved.sha256, (await stat(saved.file)).size, oldClusterId]);
    const leader = (JSON.parse((await cli("etcd-1", ["status", "--json"])).stdout) as StatusReport).members;
    assert.equal(leader.find((r) => r.name === saved?.member)?.isLeader, false, "taken from a follower, sparing the leader");
    assert.equal(facts.sha256, (await runCommand(["sha256sum", saved.file])).stdout.split(" ")[0]);

    const theirs = await runCommand(["etcdctl", "snapshot", "status", saved.file, "-w", "json"], { env: { ...process.env, ETCDCTL_API: "3" } });
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.equal((JSON.parse(theirs.stdout) as { revision: number }).revision, saved.revision, "the revision printed is the snapshot's");
  });

  /** The host's snapshot service, run once as systemd would start it; its exit code and log. */
  async function runSnapshotService(host: string): Promise<{ code: number | null; log: string }> {
    assert.ok(network);
    const logFile = hostPath(rootOf(host), "/var/log/etcd-snapshot.service.log");
    await writeFile(logFile, "");
    const service = await startUnit({ network, host, rootDir: rootOf(host), unitPath: SNAPSHOT_SERVICE, logFile });
    const [code] = (await once(service.child, "exit")) as [number | null];
    return { code, log: await readFile(logFile, "utf8") };
  }

  test("the scheduled snapshot service takes a snapshot etcdctl accepts, 0600 in a 0700 folder, and keeps the newest `keep`", async () => {
    assert.ok(network && saved, "the cluster is up");
    const dir = hostPath(rootOf("etcd-2"), "/var/backups/etcd");
    const taken: string[] = [];
    for (let run = 0; run < 3; run++) {
      if (run > 0) await sleep(1100); // names carry the second
      const result = await runSnapshotService("etcd-2");
      assert.equal(result.code, 0, result.log);
      const name = /saved \/var\/backups\/etcd\/(etcd-2-\d{8}T\d{6}Z\.db) \(\d+ bytes, sha256 [0-9a-f]{64}\)/.exec(result.log)?.[1];
      assert.ok(name, result.log);
      taken.push(name);
    }
    assert.deepEqual((await readdir(dir)).sort(), taken.slice(1).sort(), "keep: 2 — the oldest removed, nothing else left");
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    for (const name of taken.slice(1)) {
      assert.equal((await stat(join(dir, name))).mode & 0o777, 0o600);
      const status = await runCommand(["etcdctl", "snapshot", "status", join(dir, name), "-w", "json"], { env: { ...process.env, ETCDCTL_API: "3" } });
      assert.equal(status.code, 0, status.stderr);
      assert.ok((JSON.parse(status.stdout) as { totalKey: number }).totalKey > 0);
    }
  });

  test("the Alpine periodic script snapshots onto the mounted data partition, and skips with a log line when it is not mounted", async () => {
    assert.ok(network && saved, "the cluster is up");
    const version = parseEtcdVersion(await installedEtcdVersion());
    assert.ok(version);
    const script = join(dir, "alpine-snapshot.sh");
    await writeFile(script, renderSnapshotScript({ member: "etcd-1", version, layout: OPENRC_LAYOUT, clientPort: 2379, dir: ALPINE_SNAPSHOT_DIR, keep: 2, requiredMount: OPENRC_LAYOUT.dataMount, syslog: true }));
    // Not mounted: /var/lib replaced by an empty folder in a private mount namespace.
    const emptyVarLib = join(dir, "empty-var-lib");
    await runCommand(["mkdir", "-p", join(emptyVarLib, "etcd")]);
    const skipped = await network.run("etcd-1", ["unshare", "--mount", "--propagation", "private", "sh", "-c", 'mount --bind "$1" /var/lib && exec sh "$2"', "sh", emptyVarLib, script]);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.match(skipped.stderr, /etcdboot-snapshot: skipped: etcd's data partition is not mounted at \/var\/lib\/etcd \(no snapshot onto the RAM root\)/);
    assert.deepEqual(await readdir(join(emptyVarLib, "etcd")), [], "nothing written to the RAM root");
    // Mounted (the host root's /var/lib/etcd is a mount): a snapshot on the partition, 0600 in 0700.
    const taken = await network.run("etcd-1", hostRootArgv(rootOf("etcd-1"), ["sh", script]), { env: { PATH: SYSTEMD_PATH }, timeoutMs: 60_000 });
    assert.equal(taken.code, 0, taken.stderr);
    const onPartition = hostPath(rootOf("etcd-1"), ALPINE_SNAPSHOT_DIR);
    const files = await readdir(onPartition);
    assert.equal(files.length, 1, files.join(", "));
    assert.equal((await stat(onPartition)).mode & 0o777, 0o700);
    assert.equal((await stat(join(onPartition, files[0] ?? ""))).mode & 0o777, 0o600);
    const status = await runCommand(["etcdctl", "snapshot", "status", join(onPartition, files[0] ?? "")], { env: { ...process.env, ETCDCTL_API: "3" } });
    assert.equal(status.code, 0, status.stderr);
    await rm(onPartition, { recursive: true }); // this stand-in host keeps etcd's own data in that folder
  });

  test("a snapshot cut short (its member killed mid-stream, or Ctrl-C) leaves no file and exits non-zero", async () => {
    assert.ok(network && saved, "the cluster is up");
    // ~40 MB of data, so the stream lasts long enough to be cut.
    const fill = `. ${join(outputDir, "etcdctl.env")} && for i in $(seq 1 30); do head -c 1000000 /dev/urandom | base64 -w0 | etcdctl put /vault/bulk/$i >/dev/null || exit 1; done`;
    const filled = await network.run("etcd-1", ["sh", "-c", fill], { timeoutMs: 120_000 });
    assert.equal(filled.code, 0, filled.stderr);
    const cutDir = join(dir, "cut");
    await runCommand(["mkdir", "-p", cutDir]);
    const saving = cli("etcd-1", ["snapshot", "save", "--member", "etcd-3", "-o", cutDir]);
    await waitUntil(async () => (await readdir(cutDir)).some((f) => f.endsWith(".tmp")), { timeoutMs: 30_000, description: "the snapshot stream has started" });
    await stop("etcd-3", "SIGKILL");
    const result = await saving;
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /the snapshot from etcd-3 .* was cut short.*no file was written/);
    assert.deepEqual(await readdir(cutDir), [], "nothing is left behind");
    // The scheduled snapshot of a member that is down fails visibly: exit status and log.
    const failed = await runSnapshotService("etcd-3");
    assert.equal(failed.code, 1, failed.log);
    assert.match(failed.log, /etcdboot-snapshot: FAILED: the local member at https:\/\/127\.0\.0\.1:2379 is not healthy: no snapshot taken/);
    assert.deepEqual(await readdir(hostPath(rootOf("etcd-3"), "/var/backups/etcd")).catch(() => []), [], "and leaves no file");
    running.set("etcd-3", await startUnit({ network, host: "etcd-3", rootDir: rootOf("etcd-3"), unitPath: SYSTEMD_LAYOUT.systemdUnit }));
    await waitForHealthyCluster(network, outputDir, "etcd-1", [...running.values()]);

    // Ctrl-C mid-stream: the temporary file goes too.
    const interrupted = network.spawn("etcd-1", [process.execPath, join(REPO, "bin", "etcdboot.js"), "snapshot", "save", spec(), "--pki", join(dir, "pki"), "-o", cutDir]);
    const exited = once(interrupted, "exit");
    await waitUntil(async () => (await readdir(cutDir)).some((f) => f.endsWith(".tmp")), { timeoutMs: 30_000, description: "the snapshot stream has started" });
    interrupted.kill("SIGINT");
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    assert.deepEqual([code, signal], [null, "SIGINT"], "dies of the interrupt, after removing its temporary file");
    assert.deepEqual(await readdir(cutDir), [], "nothing is left behind after Ctrl-C");

    // A disk that fills up mid-stream: said as the disk's fault, under the name asked for, nothing left.
    const full = await network.run("etcd-1", [
      "unshare", "--mount", "--propagation", "private", "sh", "-c", 'mount -t tmpfs -o size=256k tmpfs "$1" || exit 9; dir=$1; shift; "$@"; rc=$?; echo "left: [$(ls -A "$dir")]"; exit $rc', "sh", cutDir,
      process.execPath, join(REPO, "bin", "etcdboot.js"), "snapshot", "save", spec(), "--pki", join(dir, "pki"), "-o", join(cutDir, "full.db"),
    ], { timeoutMs: 60_000 });
    assert.equal(full.code, 1, full.stderr);
    assert.match(full.stderr, /^etcdboot: .*\/cut\/full\.db: no space left on device \(ENOSPC in write\): free some space, then run again$/m);
    assert.match(full.stdout, /^left: \[\]$/m, "the temporary file is gone from the full disk");
  });

  test("restore refuses a snapshot with a flipped byte, and a cluster that is still healthy", async () => {
    assert.ok(network && saved, "the cluster is up");
    const flipped = join(dir, "flipped.db");
    await copyFile(saved.file, flipped);
    const bytes = await readFile(flipped);
    bytes[Math.floor(bytes.length / 2)] = (bytes[Math.floor(bytes.length / 2)] ?? 0) ^ 0xff;
    await writeFile(flipped, bytes);
    const damaged = await cli("etcd-1", ["restore", flipped]);
    assert.equal(damaged.code, 1, damaged.stderr);
    assert.match(damaged.stderr, /flipped\.db: its SHA-256 does not check .*damaged or cut short/);

    const healthy = await cli("etcd-1", ["restore", saved.file]);
    assert.equal(healthy.code, 1, healthy.stderr);
    assert.match(healthy.stderr, /refused: the cluster is still healthy .*--force/);
    await assert.rejects(stat(join(outputDir, "hosts", "etcd-1", "restore")), "nothing written");
  });

  test("every member restored from the one snapshot: the snapshot's keys, not the later ones, a new cluster ID, the old data kept", async () => {
    assert.ok(network && saved, "the cluster is up");
    for (let i = 0; i < 3; i++) assert.equal((await etcdctl(network, outputDir, "etcd-1", ["put", `/vault/after-${i}`, `lost ${i}`])).code, 0);
    for (const { name } of HOSTS) await stop(name);
    // The disaster: every member's data destroyed (files emptied); a marker shows what is kept.
    for (const { name } of HOSTS) {
      const member = hostPath(rootOf(name), `${SYSTEMD_LAYOUT.dataDir}/member`);
      for (const entry of await readdir(member, { recursive: true, withFileTypes: true })) if (entry.isFile()) await truncate(join(entry.parentPath, entry.name), 0);
      await writeFile(join(member, "old-data-marker"), name);
    }

    const restored = await cli("etcd-1", ["restore", saved.file, "--out", join(dir, "output")]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /1\. copy .*hosts\/etcd-1\/restore\/ to etcd-1 .*\n.*2\. copy .*etcd-2.*\n.*3\. copy .*etcd-3.*\n.*4\. etcdboot status/);
    const state = JSON.parse(await readFile(join(dir, "pki", "vault", "state.json"), "utf8")) as { clusterToken?: string };
    assert.match(state.clusterToken ?? "", /^vault-restore-\d{8}T\d{6}Z$/);

    for (const { name } of HOSTS) {
      const bundle = join(outputDir, "hosts", name, "restore");
      assert.equal((await stat(bundle)).mode & 0o777, 0o700);
      assert.equal((await stat(join(bundle, "snapshot.db"))).mode & 0o777, 0o600);
      // systemd's part, as the harness plays it: the script's stop and start are recorded.
      const shim = hostPath(rootOf(name), "/usr/local/sbin/systemctl");
      await writeFile(shim, `#!/bin/sh\necho "$*" >> /usr/local/sbin/systemctl.calls\n`);
      await chmod(shim, 0o755);
      const run = await network.run(name, hostRootArgv(rootOf(name), ["sh", join(bundle, "restore.sh")]), { env: { PATH: SYSTEMD_PATH }, timeoutMs: 60_000 });
      assert.equal(run.code, 0, `restore.sh on ${name}: ${run.stderr}`);
      assert.equal(await readFile(hostPath(rootOf(name), "/usr/local/sbin/systemctl.calls"), "utf8"), "stop etcd.service\nstart --no-block etcd.service\n");
      const dataDir = hostPath(rootOf(name), SYSTEMD_LAYOUT.dataDir);
      const aside = (await readdir(dataDir)).filter((f) => f.startsWith("before-restore-"));
      assert.equal(aside.length, 1, `the old data is moved aside on ${name}`);
      assert.equal(await readFile(join(dataDir, aside[0] ?? "", "member", "old-data-marker"), "utf8"), name, "and kept, not deleted");
      assert.equal((await stat(join(dataDir, "member"))).mode & 0o777, 0o700);
      running.set(name, await startUnit({ network, host: name, rootDir: rootOf(name), unitPath: SYSTEMD_LAYOUT.systemdUnit }));
    }
    await waitForHealthyCluster(network, outputDir, "etcd-2", [...running.values()]);
    for (let i = 0; i < 3; i++) assert.equal(await get("etcd-2", `/vault/before-${i}`), `kept ${i}`);
    for (let i = 0; i < 3; i++) assert.equal(await get("etcd-3", `/vault/after-${i}`), "", "written after the snapshot: gone");
    const newClusterId = await clusterId("etcd-1");
    assert.notEqual(newClusterId, oldClusterId, "a new logical cluster");
    const status = await cli("etcd-1", ["status"]);
    assert.equal(status.code, 0, status.stderr);

    // Later builds carry the restore's token.
    const rebuilt = await runCli(["build", spec(), "--out", join(dir, "output"), "--pki", join(dir, "pki"), "--quiet"]);
    assert.equal(rebuilt.code, 0, rebuilt.err);
    assert.match(await readFile(join(outputDir, "hosts", "etcd-1", "user-data"), "utf8"), new RegExp(`initial-cluster-token: ${state.clusterToken}`));
  });
});
