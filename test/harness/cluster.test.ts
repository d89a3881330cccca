// Proves the harness end to end: three real etcd members, each in its own network namespace and host
// root, started from a unit file exactly as systemd would, form a cluster that replicates a key.

import assert from "node:assert/strict";
import { chmod, chown, mkdir, mkdtemp, readFile, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { stringify } from "yaml";
import { hostPath, materialiseWriteFiles } from "./host-root.js";
import { createTestNetwork, listNamespaces } from "./netns.js";
import type { TestHost, TestNetwork } from "./netns.js";
import { requirePrerequisites } from "./prerequisites.js";
import { describeExited, logTail, startUnit } from "./service.js";
import type { RunningService } from "./service.js";
import { SYSTEMD_DEFAULT_PATH } from "./systemd-unit.js";
import { groupId, userId } from "./users.js";
import { waitUntil } from "./wait.js";

const HOSTS: TestHost[] = [11, 12, 13].map((last, index) => ({ name: `etcd-${index + 1}`, address: `10.213.0.${last}`, prefixLength: 24 }));
const clientUrl = (host: TestHost) => `http://${host.address}:2379`;
const peerUrl = (host: TestHost) => `http://${host.address}:2380`;
const UNIT_PATH = "/etc/systemd/system/etcd.service";

const UNIT = `[Unit]
Description=etcd (harness self-test)

[Service]
Type=notify
User=etcd
ExecStart=/usr/bin/etcd --config-file /etc/etcd/etcd.conf.yml
`;

function etcdConfig(host: TestHost): string {
  return stringify({
    name: host.name,
    "data-dir": "/var/lib/etcd/data",
    "listen-peer-urls": peerUrl(host),
    "listen-client-urls": clientUrl(host),
    "initial-advertise-peer-urls": peerUrl(host),
    "advertise-client-urls": clientUrl(host),
    "initial-cluster": HOSTS.map((member) => `${member.name}=${peerUrl(member)}`).join(","),
    "initial-cluster-token": `harness-${process.pid}`,
    "initial-cluster-state": "new",
    logger: "zap",
    "log-outputs": ["stderr"],
  });
}

/** The user-data a product would hand the host, reduced to the files this test needs. */
function userData(host: TestHost): string {
  const writeFiles = [
    { path: "/etc/etcd/etcd.conf.yml", content: etcdConfig(host), permissions: "0640", owner: "root:etcd" },
    { path: UNIT_PATH, content: UNIT, permissions: "0644" },
  ];
  return `#cloud-config\n${stringify({ write_files: writeFiles })}`;
}

/** What the etcd package would have made: a data folder only etcd can enter. */
async function makeEtcdHome(rootDir: string): Promise<void> {
  const home = hostPath(rootDir, "/var/lib/etcd");
  await mkdir(home, { recursive: true });
  await chown(home, userId("etcd"), groupId("etcd"));
  await chmod(home, 0o700);
}

function etcdctl(network: TestNetwork, fromHost: string, endpoints: TestHost[], ...args: string[]) {
  const argv = ["etcdctl", `--endpoints=${endpoints.map(clientUrl).join(",")}`, "--dial-timeout=1s", "--command-timeout=3s", ...args];
  return network.run(fromHost, argv, { env: { PATH: SYSTEMD_DEFAULT_PATH }, timeoutMs: 5_000 });
}

/** The PID we track is etcd itself (ip netns exec, unshare, sh and setpriv all exec), running as etcd. */
async function assertRunsAsEtcd(service: RunningService): Promise<void> {
  const pid = service.child.pid;
  assert.equal(await readlink(`/proc/${pid}/exe`), "/usr/bin/etcd");
  const uids = /^Uid:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1];
  assert.equal(Number(uids), userId("etcd"));
}

async function printLogTails(services: RunningService[]): Promise<void> {
  for (const service of services) console.error(`--- last lines of ${service.logFile} ---\n${await logTail(service.logFile)}`);
}

test("three etcd members in their own network namespaces and host roots form a cluster", { timeout: 60_000 }, async (t) => {
  const needs = { root: true, commands: ["ip", "unshare", "mount", "setpriv", "etcd", "etcdctl"], users: ["etcd"] };
  if (!requirePrerequisites(t, needs)) return;
  const rootDirs = new Map<string, string>();
  const network = await createTestNetwork(HOSTS);
  // One hook, so the members are stopped before their folders are removed.
  t.after(async () => {
    await network.destroy();
    for (const rootDir of rootDirs.values()) await rm(rootDir, { recursive: true, force: true });
  });

  const services: RunningService[] = [];
  for (const host of HOSTS) {
    const rootDir = await mkdtemp(join(tmpdir(), `etcdboot-${host.name}-`));
    rootDirs.set(host.name, rootDir);
    await materialiseWriteFiles(userData(host), rootDir);
    await makeEtcdHome(rootDir);
    services.push(await startUnit({ network, host: host.name, rootDir, unitPath: UNIT_PATH }));
  }

  try {
    await waitUntil(async () => (await etcdctl(network, "etcd-1", HOSTS, "endpoint", "health")).code === 0, {
      timeoutMs: 30_000,
      intervalMs: 500,
      description: "all three members healthy",
      giveUpIf: () => describeExited(services),
    });
    for (const service of services) await assertRunsAsEtcd(service);
    const value = `written-by-${process.pid}`;
    const put = await etcdctl(network, "etcd-1", [HOSTS[0]!], "put", "harness/key", value);
    assert.equal(put.code, 0, put.stderr);
    const get = await etcdctl(network, "etcd-3", [HOSTS[2]!], "get", "harness/key", "--print-value-only");
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout.trim(), value);
  } catch (error) {
    await printLogTails(services);
    throw error;
  }

  const namespaces = [network.switchNamespace, ...HOSTS.map((host) => network.namespaceOf(host.name))];
  await network.destroy();
  for (const service of services) assert.notEqual(service.child.exitCode ?? service.child.signalCode, null, "member stopped");
  assert.deepEqual((await listNamespaces()).filter((name) => namespaces.includes(name)), []);
});
