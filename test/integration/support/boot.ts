// Steps shared by the first-boot tests: build a spec with the real CLI, put each host's files
// where its boot would (cloud-init's write_files, or Alpine's overlay unpacked onto the root),
// run the generated installer, start members as their service definitions say, talk etcdctl.

import assert from "node:assert/strict";
import { chown, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { main } from "../../../src/cli/main.js";
import { OPENRC_LAYOUT, SYSTEMD_LAYOUT } from "../../../src/etcd/layout.js";
import { runCommand, runChecked, type CommandResult } from "../../harness/exec.js";
import { hostPath, hostRootArgv, materialiseWriteFiles } from "../../harness/host-root.js";
import type { TestNetwork } from "../../harness/netns.js";
import { readOpenrcService, startOpenrcService } from "../../harness/openrc.js";
import { serveFolder } from "../../harness/http-server.js";
import { installedEtcdVersion, makeUpstreamRelease, type UpstreamRelease } from "../../harness/release.js";
import { describeExited, logTail, startUnit, type RunningService } from "../../harness/service.js";
import { waitUntil } from "../../harness/wait.js";
import { FIXED_NOW } from "../../support.js";

export const BOOT_PREREQUISITES = {
  root: true,
  commands: ["ip", "unshare", "setpriv", "etcd", "etcdctl", "curl", "tar", "sha256sum", "bash", "dash"],
  users: ["etcd"],
};

export interface UserData {
  write_files: { path: string; owner: string; defer?: boolean }[];
  runcmd: string[];
}

/** Runs `etcdboot build` on the spec text; returns the cluster's output folder. */
export async function buildCluster(dir: string, cluster: string, spec: string, extraArgs: string[] = []): Promise<string> {
  const specFile = join(dir, "cluster.yaml");
  await mkdir(dir, { recursive: true });
  await writeFile(specFile, spec);
  const errors: string[] = [];
  const argv = ["build", specFile, "--out", join(dir, "output"), "--pki", join(dir, "pki"), ...extraArgs];
  const code = await main(argv, { out: () => {}, err: (t) => errors.push(t), now: () => FIXED_NOW });
  assert.equal(code, 0, errors.join("\n"));
  return join(dir, "output", cluster);
}

/** cloud-init's write_files as cloud-init would leave them, in a fresh root folder per host. */
export async function provisionCloudInitHost(outputDir: string, host: string, rootParent: string): Promise<{ rootDir: string; userData: UserData }> {
  const text = await readFile(join(outputDir, "hosts", host, "user-data"), "utf8");
  const userData = parse(text, { version: "1.1" }) as UserData;
  const rootDir = join(rootParent, host);
  await materialiseWriteFiles(text, rootDir);
  return { rootDir, userData };
}

/** The install step of the host's runcmd line: everything before the first "&&". */
function installCommand(userData: UserData): string {
  const command = userData.runcmd[0]?.split("&&")[0]?.trim();
  assert.equal(command, SYSTEMD_LAYOUT.installScript, "runcmd starts with the installer");
  return command;
}

export function runInstaller(rootDir: string, userData: UserData): Promise<CommandResult> {
  return runInRoot(rootDir, installCommand(userData));
}

/** The host's installer on its root; in the root network namespace: the release server listens on this machine's 127.0.0.1. */
function runInRoot(rootDir: string, command: string): Promise<CommandResult> {
  return runCommand(hostRootArgv(rootDir, [command]), { env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ETCDBOOT_RETRY_DELAY: "0" }, timeoutMs: 60_000 });
}

export async function installedBinaries(rootDir: string): Promise<string[]> {
  return (await readdir(hostPath(rootDir, SYSTEMD_LAYOUT.binDir)).catch(() => [])).sort();
}

/** A cloud-init host from user-data to running etcd: write_files, installer, then the unit. */
export async function bootCloudInitHost(network: TestNetwork, outputDir: string, host: string, rootParent: string): Promise<RunningService> {
  const { rootDir, userData } = await provisionCloudInitHost(outputDir, host, rootParent);
  const installed = await runInstaller(rootDir, userData);
  assert.equal(installed.code, 0, `installer on ${host} failed:\n${installed.stderr}`);
  return startUnit({ network, host, rootDir, unitPath: SYSTEMD_LAYOUT.systemdUnit });
}

/** Unpacks the host's overlay onto a fresh root folder as Alpine's initramfs does (owners kept numeric). */
export async function unpackOverlay(outputDir: string, host: string, rootParent: string): Promise<string> {
  const rootDir = join(rootParent, host);
  await mkdir(rootDir, { recursive: true });
  await runChecked(["tar", "-xzpf", join(outputDir, "hosts", host, `${host}.apkovl.tar.gz`), "--numeric-owner", "-C", rootDir]);
  return rootDir;
}

/**
 * An Alpine host from overlay to running etcd. The test stands in for what start_pre does on the
 * host (the mounted data partition with etcd's 0700 data dir in it; the user with the script's
 * ids), then runs command + command_args as that user, like supervise-daemon.
 */
export async function bootAlpineHost(network: TestNetwork, outputDir: string, host: string, rootParent: string): Promise<RunningService> {
  const rootDir = await unpackOverlay(outputDir, host, rootParent);
  const service = await readOpenrcService(rootDir, OPENRC_LAYOUT.initScript, OPENRC_LAYOUT.confFile, ["etcd_uid", "etcd_gid", "etcdboot_install"]);
  if (service.variables["etcdboot_install"] === "fetch") {
    // start_pre's install_etcd: the overlay carries no etcd, only the installer that fetches and verifies it.
    assert.deepEqual(await installedBinaries(rootDir), [], "a fetch-mode overlay bundles no binary");
    const installed = await runInRoot(rootDir, OPENRC_LAYOUT.installScript);
    assert.equal(installed.code, 0, `installer on ${host} failed:\n${installed.stderr}`);
  }
  const uid = service.variables["etcd_uid"] ?? "";
  const gid = service.variables["etcd_gid"] ?? "";
  assert.match(`${uid}:${gid}`, /^\d+:\d+$/, "the init script names the etcd user's ids");
  assert.equal(service.commandUser, "etcd:etcd");
  const dataDir = hostPath(rootDir, OPENRC_LAYOUT.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chown(dataDir, Number(uid), Number(gid));
  return startOpenrcService({ network, host, rootDir, service, user: uid, group: gid, logFile: hostPath(rootDir, OPENRC_LAYOUT.logFile) });
}

/** etcdctl inside a host's namespace with the environment file the build wrote (admin certificate). */
type FolderServer = Awaited<ReturnType<typeof serveFolder>>;

export function etcdctl(network: TestNetwork, outputDir: string, host: string, args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
  // Overrides go after the file is sourced, or the file would undo them.
  const script = `. ${join(outputDir, "etcdctl.env")} && exec env "$@"`;
  const overrides = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return network.run(host, ["sh", "-c", script, "etcdctl-env", ...overrides, "etcdctl", ...args], { timeoutMs: 20_000 });
}

export async function waitForHealthyCluster(network: TestNetwork, outputDir: string, via: string, members: RunningService[]): Promise<void> {
  try {
    await waitUntil(async () => (await etcdctl(network, outputDir, via, ["endpoint", "health"])).code === 0, {
      timeoutMs: 60_000,
      description: `all ${members.length} endpoints healthy`,
      giveUpIf: () => describeExited(members),
    });
  } catch (error) {
    const logs = await Promise.all(members.map(async (m) => `--- ${m.host}\n${await logTail(m.logFile, 15)}`));
    throw new Error(`${String(error)}\n${logs.join("\n")}`);
  }
}

/** Writes a key through each member and reads it back through the next one. */
export async function assertReadWriteEverywhere(network: TestNetwork, outputDir: string, hosts: { name: string; address: string }[]): Promise<void> {
  for (const [i, { name, address }] of hosts.entries()) {
    const put = await etcdctl(network, outputDir, name, ["put", `/boot/key-${i}`, `written via ${name}`], { ETCDCTL_ENDPOINTS: `https://${address}:2379` });
    assert.equal(put.code, 0, put.stderr);
    const next = hosts[(i + 1) % hosts.length];
    assert.ok(next);
    const get = await etcdctl(network, outputDir, next.name, ["get", `/boot/key-${i}`, "--print-value-only"], { ETCDCTL_ENDPOINTS: `https://${next.address}:2379` });
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout.trim(), `written via ${name}`);
  }
}

/** Debian's etcd as an upstream-layout release under dir/releases, served over loopback HTTP; undefined when etcd is not installed. */
export async function serveLocalRelease(dir: string): Promise<{ release: UpstreamRelease; server: FolderServer } | undefined> {
  const version = await installedEtcdVersion().catch(() => "");
  if (!version) return undefined;
  const release = await makeUpstreamRelease(join(dir, "releases"), version);
  return { release, server: await serveFolder(join(dir, "releases")) };
}

/** Stops a member as systemd would (SIGTERM) and waits for it; a removed member may have stopped by itself. */
export async function stopService(service: RunningService): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  const exited = new Promise((resolve) => service.child.once("exit", resolve));
  service.child.kill("SIGTERM");
  await exited;
}
