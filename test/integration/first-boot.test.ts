// First boot with real etcd: what `etcdboot build` writes forms a TLS cluster.
// Each host is a network namespace holding its spec address, with its files where cloud-init
// would put them (a root folder bind-mounted at the real paths). The generated installer
// downloads a release (Debian's etcd binaries in the upstream layout) from a local HTTP server
// and verifies it; etcd then starts exactly as the generated unit says.

import assert from "node:assert/strict";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test, type TestContext } from "node:test";
import { parse } from "yaml";
import { main } from "../../src/cli/main.js";
import { SYSTEMD_LAYOUT as HOST_PATHS } from "../../src/etcd/layout.js";
import { ensurePki } from "../../src/pki/ensure-pki.js";
import { runCommand, type CommandResult } from "../harness/exec.js";
import { hostPath, hostRootArgv, materialiseWriteFiles } from "../harness/host-root.js";
import { serveFolder } from "../harness/http-server.js";
import { createTestNetwork, type TestNetwork } from "../harness/netns.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { installedEtcdVersion, makeUpstreamRelease, tamperRelease, type UpstreamRelease } from "../harness/release.js";
import { describeExited, logTail, startUnit, type RunningService } from "../harness/service.js";
import { waitUntil } from "../harness/wait.js";
import { FIXED_NOW, tempDir } from "../support.js";

const HOSTS = [
  { name: "etcd-1", address: "10.214.0.11" },
  { name: "etcd-2", address: "10.214.0.12" },
  { name: "etcd-3", address: "10.214.0.13" },
];
const PREREQUISITES = { root: true, commands: ["ip", "unshare", "setpriv", "etcd", "etcdctl", "curl", "tar", "sha256sum"], users: ["etcd"] };

interface UserData {
  write_files: { path: string; owner: string; defer?: boolean }[];
  runcmd: string[];
}

function specText(version: string, downloadUrl: string, extraEtcd = ""): string {
  return [
    "apiVersion: etcdboot/v1alpha1",
    "cluster: {name: boot, token: boot-test}",
    `etcd: {version: "${version}", downloadUrl: "${downloadUrl}"${extraEtcd}}`,
    "tls: {algorithm: ecdsa-p256, subject: {O: etcdboot-test}}",
    "hosts:",
    ...HOSTS.map((h) => `  - {name: ${h.name}, address: ${h.address}}`),
    "clients: [admin]",
    "",
  ].join("\n");
}

async function build(dir: string, spec: string): Promise<string> {
  const specFile = join(dir, "cluster.yaml");
  await writeFile(specFile, spec);
  const errors: string[] = [];
  const code = await main(["build", specFile, "--out", join(dir, "output"), "--pki", join(dir, "pki")], { out: () => {}, err: (t) => errors.push(t), now: () => FIXED_NOW });
  assert.equal(code, 0, errors.join("\n"));
  return join(dir, "output", "boot");
}

/** The install step of the host's runcmd line: everything before the first "&&". */
function installCommand(userData: UserData): string {
  const [line] = userData.runcmd;
  const command = line?.split("&&")[0]?.trim();
  assert.equal(command, HOST_PATHS.installScript, "runcmd starts with the installer");
  return command;
}

/** cloud-init's write_files as cloud-init would leave them, in a fresh root folder per host. */
async function provisionHost(outputDir: string, host: string, rootParent: string): Promise<{ rootDir: string; userData: UserData }> {
  const text = await readFile(join(outputDir, "hosts", host, "user-data"), "utf8");
  const userData = parse(text, { version: "1.1" }) as UserData;
  const rootDir = join(rootParent, host);
  await materialiseWriteFiles(text, rootDir);
  return { rootDir, userData };
}

function runInstaller(rootDir: string, userData: UserData): Promise<CommandResult> {
  // In the root network namespace: the release server listens on this machine's 127.0.0.1.
  return runCommand(hostRootArgv(rootDir, [installCommand(userData)]), { env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ETCDBOOT_RETRY_DELAY: "0" }, timeoutMs: 60_000 });
}

async function installedFiles(rootDir: string): Promise<string[]> {
  return (await readdir(hostPath(rootDir, HOST_PATHS.binDir)).catch(() => [])).sort();
}

describe("first boot of a 3-member TLS cluster with real etcd", { timeout: 180_000 }, () => {
  let skipped = false;
  let dir = "";
  let release: UpstreamRelease;
  let server: Awaited<ReturnType<typeof serveFolder>>;
  let network: TestNetwork | undefined;
  const members: RunningService[] = [];
  let outputDir = "";
  let pkiDir = "";

  before(async () => {
    dir = await tempDir("first-boot");
    const version = await installedEtcdVersion().catch(() => "");
    if (!version) return;
    release = await makeUpstreamRelease(join(dir, "releases"), version);
    server = await serveFolder(join(dir, "releases"));
  });

  after(async () => {
    await network?.destroy();
    await server?.close();
  });

  function ready(t: TestContext): boolean {
    if (!requirePrerequisites(t, PREREQUISITES)) return !(skipped = true);
    assert.ok(release, "an upstream-layout release was built from Debian's etcd");
    return true;
  }

  /** etcdctl inside a host's namespace, with the environment file the build wrote (admin certificate). */
  async function etcdctl(host: string, args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
    assert.ok(network);
    // Overrides go after the file is sourced, or the file would undo them.
    const script = `. ${join(outputDir, "etcdctl.env")} && exec env "$@"`;
    const overrides = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    return network.run(host, ["sh", "-c", script, "etcdctl-env", ...overrides, "etcdctl", ...args], { timeoutMs: 20_000 });
  }

  test("the generated installer downloads, verifies and installs etcd on every host", async (t) => {
    if (!ready(t)) return;
    outputDir = await build(dir, specText(release.version, server.baseUrl));
    pkiDir = join(dir, "pki", "boot");
    for (const { name } of HOSTS) {
      const { rootDir, userData } = await provisionHost(outputDir, name, join(dir, "hosts"));
      for (const file of userData.write_files)
        if (!file.owner.startsWith("root:")) assert.equal(file.defer, true, `${file.path} is owned by ${file.owner}: it must be deferred until the user exists`);
      const result = await runInstaller(rootDir, userData);
      assert.equal(result.code, 0, `installer on ${name} failed:\n${result.stderr}`);
      assert.deepEqual(await installedFiles(rootDir), release.binaries.slice().sort());
      const dataDir = await stat(hostPath(rootDir, HOST_PATHS.dataDir));
      assert.equal(dataDir.mode & 0o777, 0o700);
      const key = await stat(hostPath(rootDir, HOST_PATHS.memberKey));
      assert.equal(key.mode & 0o777, 0o600);
    }
    assert.ok(server.requests.some((path) => path.endsWith("/SHA256SUMS")), "the unpinned installer checks SHA256SUMS");
  });

  test("the members, started as the generated unit says, form one cluster", async (t) => {
    if (skipped || !ready(t)) return;
    assert.ok(outputDir, "the install test ran");
    network = await createTestNetwork(HOSTS.map((h) => ({ ...h, prefixLength: 24 })));
    for (const { name } of HOSTS)
      members.push(await startUnit({ network, host: name, rootDir: join(dir, "hosts", name), unitPath: HOST_PATHS.systemdUnit }));
    try {
      await waitUntil(async () => (await etcdctl("etcd-1", ["endpoint", "health"])).code === 0, {
        timeoutMs: 60_000,
        description: "all three endpoints healthy",
        giveUpIf: () => describeExited(members),
      });
    } catch (error) {
      const logs = await Promise.all(members.map(async (m) => `--- ${m.host}\n${await logTail(m.logFile, 15)}`));
      throw new Error(`${String(error)}\n${logs.join("\n")}`);
    }
    const list = await etcdctl("etcd-2", ["member", "list", "-w", "json"]);
    assert.equal(list.code, 0, list.stderr);
    const names = (JSON.parse(list.stdout) as { members: { name: string; peerURLs: string[] }[] }).members.map((m) => `${m.name}=${m.peerURLs.join(",")}`).sort();
    assert.deepEqual(names, HOSTS.map((h) => `${h.name}=https://${h.address}:2380`));
  });

  test("the admin certificate writes and reads through every member", async (t) => {
    if (skipped || !ready(t)) return;
    assert.equal(members.length, 3, "the cluster test ran");
    for (const [i, { name, address }] of HOSTS.entries()) {
      const endpoint = { ETCDCTL_ENDPOINTS: `https://${address}:2379` };
      const put = await etcdctl(name, ["put", `/boot/key-${i}`, `written via ${name}`], endpoint);
      assert.equal(put.code, 0, put.stderr);
      const next = HOSTS[(i + 1) % HOSTS.length];
      assert.ok(next);
      const get = await etcdctl(next.name, ["get", `/boot/key-${i}`, "--print-value-only"], { ETCDCTL_ENDPOINTS: `https://${next.address}:2379` });
      assert.equal(get.code, 0, get.stderr);
      assert.equal(get.stdout.trim(), `written via ${name}`);
    }
  });

  test("a client certificate from another CA and a plain-HTTP client are refused", async (t) => {
    if (skipped || !ready(t)) return;
    assert.ok(network && members.length === 3, "the cluster test ran");
    const foreign = join(dir, "foreign-pki");
    await ensurePki({ dir: foreign, cluster: "foreign", algorithm: "ecdsa-p256", subject: {}, validityDays: 30, caValidityDays: 60, hosts: [], clients: ["admin"], now: new Date(), replaceCa: false });
    const refused = await etcdctl("etcd-1", ["get", "/boot/key-0", "--dial-timeout=3s", "--command-timeout=5s"], {
      ETCDCTL_ENDPOINTS: "https://10.214.0.11:2379",
      ETCDCTL_CERT: join(foreign, "clients", "admin.crt"),
      ETCDCTL_KEY: join(foreign, "clients", "admin.key"),
    });
    assert.notEqual(refused.code, 0, "a foreign client certificate must not be accepted");
    assert.doesNotMatch(refused.stdout, /written via/);
    const etcd1 = members.find((m) => m.host === "etcd-1");
    assert.match(await logTail(etcd1?.logFile ?? "", 200), /rejected connection.*certificate signed by unknown authority/, "etcd-1 says why it refused");

    const plain = await network.run("etcd-1", ["curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", "http://10.214.0.11:2379/v3/kv/range", "-d", '{"key":"L2Jvb3Qva2V5LTA="}'], { timeoutMs: 10_000 });
    // etcd either answers 400 or closes the connection (curl: 000); never a 2xx with data.
    assert.match(plain.stdout.trim(), /^(000|400)$/, `plain HTTP must be refused by the TLS listener (got ${plain.stdout} ${plain.stderr})`);

    const noClientCert = await network.run("etcd-1", ["curl", "-sS", "--max-time", "5", "--cacert", join(pkiDir, "ca.crt"), "https://10.214.0.11:2379/v3/kv/range", "-d", '{"key":"L2Jvb3Qva2V5LTA="}'], { timeoutMs: 10_000 });
    assert.notEqual(noClientCert.code, 0, "TLS without a client certificate must be refused");
    assert.doesNotMatch(noClientCert.stdout, /kvs/);
  });
});

describe("the installer refuses a release that does not match its checksum", { timeout: 120_000 }, () => {
  async function refusedInstall(t: TestContext, prepare: (release: UpstreamRelease) => Promise<string>) {
    if (!requirePrerequisites(t, PREREQUISITES)) return;
    const dir = await tempDir("tampered");
    const release = await makeUpstreamRelease(join(dir, "releases"), await installedEtcdVersion());
    const server = await serveFolder(join(dir, "releases"));
    t.after(() => server.close());
    const outputDir = await build(dir, specText(release.version, server.baseUrl, await prepare(release)));
    const { rootDir, userData } = await provisionHost(outputDir, "etcd-1", join(dir, "hosts"));
    const result = await runInstaller(rootDir, userData);
    assert.notEqual(result.code, 0, "the installer must fail");
    assert.match(result.stderr, /checksum mismatch/);
    assert.match(result.stderr, /etcdboot: FAILED: no verified download .* after 5 attempts/);
    assert.deepEqual(await installedFiles(rootDir), [], "nothing is installed, not even a staged file");
    assert.equal(server.requests.filter((p) => p.endsWith(".tar.gz")).length, 5, "it retried");
  }

  test("a tampered tarball (SHA256SUMS from the mirror)", (t) =>
    refusedInstall(t, async (release) => {
      await tamperRelease(release);
      return "";
    }));

  test("a genuine tarball that does not match the checksum pinned in the spec", (t) =>
    refusedInstall(t, async () => `, sha256: {amd64: ${"ab".repeat(32)}}`));
});
