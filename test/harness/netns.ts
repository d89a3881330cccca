// A private test network: one network namespace per simulated host, wired by veth pairs to a Linux
// bridge that lives in its own "switch" namespace. Nothing is configured in the root namespace, so
// the test addresses (e.g. 10.213.0.11/24) exist only inside these namespaces.
//
//   [ns <prefix>-h1] eth0 ──veth── port0 ┐
//   [ns <prefix>-h2] eth0 ──veth── port1 ┼─ br0 [ns <prefix>-switch]
//   [ns <prefix>-h3] eth0 ──veth── port2 ┘

import { execFileSync, spawn } from "node:child_process";
import type { ChildProcess, StdioOptions } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync } from "node:fs";
import { findCommand, runChecked, runCommand } from "./exec.js";
import type { CommandResult, RunOptions } from "./exec.js";
import { settlesWithin } from "./wait.js";

export interface TestHost {
  /** Short name: letters, digits and dashes ("etcd-1"). */
  name: string;
  /** IPv4 address ("10.213.0.11"). */
  address: string;
  prefixLength: number;
}

export interface NamespaceSpawnOptions {
  /** The process's whole environment (not merged with process.env); default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Append stdout and stderr to this file (created if missing). Takes precedence over stdio. */
  logFile?: string;
  /** Default "ignore": an unread pipe would block a chatty long-running process. */
  stdio?: StdioOptions;
}

export interface TestNetwork {
  readonly hosts: readonly TestHost[];
  readonly switchNamespace: string;
  namespaceOf(host: string): string;
  /** Runs argv inside host's namespace (`ip netns exec`) to completion. */
  run(host: string, argv: readonly string[], opts?: RunOptions): Promise<CommandResult>;
  /** Starts a long-running argv inside host's namespace; destroy() ends it by PID. */
  spawn(host: string, argv: readonly string[], opts?: NamespaceSpawnOptions): ChildProcess;
  /** Ends the spawned processes (SIGTERM, then SIGKILL), then deletes veths, bridge and namespaces. */
  destroy(): Promise<void>;
}

const HOST_INTERFACE = "eth0";
const BRIDGE = "br0";
const STOP_GRACE_MS = 5_000;
// Up to 63, as a spec's host name may be (status is tested with such names); the namespace name
// is the prefix and the host name, far below the 255 bytes a file name in /run/netns may have.
const HOST_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/i;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

let networksCreated = 0;

export async function createTestNetwork(hosts: readonly TestHost[]): Promise<TestNetwork> {
  validateHosts(hosts);
  // The PID keeps parallel test processes apart; a leftover of a dead run has another PID.
  const prefix = `etcdboot-${process.pid}-${++networksCreated}`;
  const network = new NamespaceNetwork(prefix, hosts);
  try {
    await network.build();
  } catch (error) {
    await network.destroy().catch(() => undefined);
    throw error;
  }
  return network;
}

function validateHosts(hosts: readonly TestHost[]): void {
  if (hosts.length === 0) throw new Error("createTestNetwork: no hosts");
  const names = new Set<string>();
  for (const host of hosts) {
    if (!HOST_NAME.test(host.name)) throw new Error(`createTestNetwork: bad host name "${host.name}"`);
    if (names.has(host.name)) throw new Error(`createTestNetwork: duplicate host name "${host.name}"`);
    names.add(host.name);
    const octets = IPV4.exec(host.address)?.slice(1).map(Number);
    if (!octets || octets.some((octet) => octet > 255)) throw new Error(`createTestNetwork: bad IPv4 address "${host.address}"`);
    if (!(host.prefixLength >= 1 && host.prefixLength <= 32)) throw new Error(`createTestNetwork: bad prefix length ${host.prefixLength}`);
  }
}

function ipCommand(): string {
  const ip = findCommand("ip");
  if (ip === undefined) throw new Error("the ip command (iproute2) is not installed");
  return ip;
}

class NamespaceNetwork implements TestNetwork {
  readonly switchNamespace: string;
  private readonly ip = ipCommand();
  /** Namespaces that exist because of us, in creation order. */
  private readonly createdNamespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();
  private destroying: Promise<void> | undefined;
  // If the test process exits without destroy() (a crash), still end our processes and namespaces.
  private readonly exitHook = () => this.destroySync();

  constructor(
    private readonly prefix: string,
    readonly hosts: readonly TestHost[],
  ) {
    this.switchNamespace = `${prefix}-switch`;
    process.on("exit", this.exitHook);
  }

  namespaceOf(host: string): string {
    if (!this.hosts.some((candidate) => candidate.name === host)) throw new Error(`no host "${host}" in this test network`);
    return `${this.prefix}-${host}`;
  }

  async build(): Promise<void> {
    await this.addNamespace(this.switchNamespace);
    await this.ipIn(this.switchNamespace, "link", "add", BRIDGE, "type", "bridge", "forward_delay", "0");
    await this.ipIn(this.switchNamespace, "link", "set", BRIDGE, "up");
    for (const [index, host] of this.hosts.entries()) await this.attachHost(host, `port${index}`);
  }

  private async attachHost(host: TestHost, switchPort: string): Promise<void> {
    const namespace = this.namespaceOf(host.name);
    await this.addNamespace(namespace);
    // Created directly in the two namespaces: the veth never appears in the root namespace.
    await this.ipIn(namespace, "link", "add", HOST_INTERFACE, "type", "veth", "peer", "name", switchPort, "netns", this.switchNamespace);
    await this.ipIn(this.switchNamespace, "link", "set", switchPort, "master", BRIDGE, "up");
    await this.ipIn(namespace, "addr", "add", `${host.address}/${host.prefixLength}`, "dev", HOST_INTERFACE);
    await this.ipIn(namespace, "link", "set", HOST_INTERFACE, "up");
  }

  private async addNamespace(namespace: string): Promise<void> {
    await runChecked([this.ip, "netns", "add", namespace]);
    this.createdNamespaces.push(namespace);
    await this.ipIn(namespace, "link", "set", "lo", "up");
    // Links created from now on get no IPv6, so the only traffic is on the test's IPv4 addresses.
    await runChecked([this.ip, "netns", "exec", namespace, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6"]);
  }

  private ipIn(namespace: string, ...args: string[]): Promise<string> {
    return runChecked([this.ip, "-n", namespace, ...args]);
  }

  run(host: string, argv: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
    return runCommand([this.ip, "netns", "exec", this.namespaceOf(host), ...argv], opts);
  }

  spawn(host: string, argv: readonly string[], opts: NamespaceSpawnOptions = {}): ChildProcess {
    if (this.destroying) throw new Error("spawn after destroy()");
    const logFd = opts.logFile === undefined ? undefined : openSync(opts.logFile, "a");
    try {
      const stdio: StdioOptions = logFd === undefined ? (opts.stdio ?? "ignore") : ["ignore", logFd, logFd];
      const child = spawn(this.ip, ["netns", "exec", this.namespaceOf(host), ...argv], { env: opts.env ?? process.env, stdio });
      this.children.add(child);
      child.on("exit", () => this.children.delete(child));
      // A failed spawn (no PID) must not crash the test process through an unhandled 'error' event.
      child.on("error", () => this.children.delete(child));
      return child;
    } finally {
      if (logFd !== undefined) closeSync(logFd); // the child has its own copy
    }
  }

  destroy(): Promise<void> {
    this.destroying ??= this.teardown();
    return this.destroying;
  }

  private async teardown(): Promise<void> {
    // One at a time, newest first: etcd members stopped together stall for seconds trying to hand
    // leadership to a peer that is itself shutting down; stopped in turn, each exits at once.
    for (const child of [...this.children].reverse()) await stopChild(child);
    const failures: unknown[] = [];
    const attempt = (work: Promise<unknown>) => work.catch((error: unknown) => void failures.push(error));
    for (const namespace of this.createdNamespaces) await attempt(this.killLeftovers(namespace));
    for (const host of this.hosts) {
      const namespace = this.namespaceOf(host.name);
      if (this.createdNamespaces.includes(namespace)) await attempt(this.deleteLinkIfPresent(namespace, HOST_INTERFACE));
    }
    if (this.createdNamespaces.includes(this.switchNamespace)) await attempt(this.deleteLinkIfPresent(this.switchNamespace, BRIDGE));
    for (const namespace of [...this.createdNamespaces].reverse()) await attempt(runChecked([this.ip, "netns", "delete", namespace]));
    process.off("exit", this.exitHook);
    if (failures.length > 0) throw new AggregateError(failures, `destroying test network ${this.prefix} failed`);
  }

  /** Processes still inside our namespace (e.g. forked by a command run()) were started by us too. */
  private async killLeftovers(namespace: string): Promise<void> {
    const pids = (await runChecked([this.ip, "netns", "pids", namespace])).split(/\s+/).filter(Boolean).map(Number);
    for (const pid of pids) killQuietly(pid, "SIGKILL");
  }

  private async deleteLinkIfPresent(namespace: string, link: string): Promise<void> {
    const present = await runCommand([this.ip, "-n", namespace, "link", "show", link]);
    if (present.code === 0) await this.ipIn(namespace, "link", "delete", link);
  }

  private destroySync(): void {
    for (const child of this.children) if (child.pid !== undefined) killQuietly(child.pid, "SIGKILL");
    for (const namespace of this.createdNamespaces) {
      try {
        execFileSync(this.ip, ["netns", "delete", namespace], { stdio: "ignore" });
      } catch {
        // best effort while the process exits
      }
    }
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit").catch(() => undefined);
  child.kill("SIGTERM");
  if (await settlesWithin(exited, STOP_GRACE_MS)) return;
  child.kill("SIGKILL");
  await exited;
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Names of the network namespaces that exist now (for asserting that a test cleaned up). */
export async function listNamespaces(): Promise<string[]> {
  const output = await runChecked([ipCommand(), "netns", "list"]);
  // Lines look like "name" or "name (id: 3)".
  return output.split("\n").map((line) => line.split(" ")[0] ?? "").filter(Boolean);
}
