// First boot with real etcd: what `etcdboot build` writes forms a TLS cluster.
// Each host is a network namespace holding its spec address, with its files where cloud-init
// would put them (a root folder bind-mounted at the real paths). The generated installer
// downloads a release (Debian's etcd binaries in the upstream layout) from a local HTTP server
// and verifies it; etcd then starts exactly as the generated unit says.

import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test, type TestContext } from "node:test";
import { SYSTEMD_LAYOUT } from "../../src/etcd/layout.js";
import { ensurePki } from "../../src/pki/ensure-pki.js";
import { hostPath } from "../harness/host-root.js";
import { serveFolder } from "../harness/http-server.js";
import { createTestNetwork, type TestNetwork } from "../harness/netns.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { installedEtcdVersion, makeUpstreamRelease, tamperRelease, type UpstreamRelease } from "../harness/release.js";
import { logTail, startUnit, type RunningService } from "../harness/service.js";
import { tempDir } from "../support.js";
import {
  assertReadWriteEverywhere,
  BOOT_PREREQUISITES,
  buildCluster,
  etcdctl,
  installedBinaries,
  provisionCloudInitHost,
  runInstaller,
  serveLocalRelease,
  waitForHealthyCluster,
} from "./support/boot.js";

const HOSTS = [
  { name: "etcd-1", address: "10.214.0.11" },
  { name: "etcd-2", address: "10.214.0.12" },
  { name: "etcd-3", address: "10.214.0.13" },
];

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

describe("first boot of a 3-member TLS cluster with real etcd", { timeout: 180_000 }, () => {
  let skipped = false;
  let dir = "";
  let release: UpstreamRelease;
  let server: Awaited<ReturnType<typeof serveFolder>>;
  let network: TestNetwork | undefined;
  const members: RunningService[] = [];
  let outputDir = "";

  before(async () => {
    dir = await tempDir("first-boot");
    const served = await serveLocalRelease(dir);
    if (!served) return;
    ({ release, server } = served);
  });

  after(async () => {
    await network?.destroy();
    await server?.close();
  });

  function ready(t: TestContext): boolean {
    if (!requirePrerequisites(t, BOOT_PREREQUISITES)) return !(skipped = true);
    assert.ok(release, "an upstream-layout release was built from Debian's etcd");
    return true;
  }

  test("the generated installer downloads, verifies and installs etcd on every host", async (t) => {
    if (!ready(t)) return;
    outputDir = await buildCluster(dir, "boot", specText(release.version, server.baseUrl));
    for (const { name } of HOSTS) {
      const { rootDir, userData } = await provisionCloudInitHost(outputDir, name, join(dir, "hosts"));
      for (const file of userData.write_files)
        if (!file.owner.startsWith("root:")) assert.equal(file.defer, true, `${file.path} is owned by ${file.owner}: it must be deferred until the user exists`);
      const result = await runInstaller(rootDir, userData);
      assert.equal(result.code, 0, `installer on ${name} failed:\n${result.stderr}`);
      assert.deepEqual(await installedBinaries(rootDir), release.binaries.slice().sort());
      assert.equal((await stat(hostPath(rootDir, SYSTEMD_LAYOUT.dataDir))).mode & 0o777, 0o700);
      assert.equal((await stat(hostPath(rootDir, SYSTEMD_LAYOUT.memberKey))).mode & 0o777, 0o600);
    }
    assert.ok(server.requests.some((path) => path.endsWith("/SHA256SUMS")), "the unpinned installer checks SHA256SUMS");
  });

  test("the members, started as the generated unit says, form one cluster", async (t) => {
    if (skipped || !ready(t)) return;
    assert.ok(outputDir, "the install test ran");
    network = await createTestNetwork(HOSTS.map((h) => ({ ...h, prefixLength: 24 })));
    for (const { name } of HOSTS) members.push(await startUnit({ network, host: name, rootDir: join(dir, "hosts", name), unitPath: SYSTEMD_LAYOUT.systemdUnit }));
    await waitForHealthyCluster(network, outputDir, "etcd-1", members);
    const list = await etcdctl(network, outputDir, "etcd-2", ["member", "list", "-w", "json"]);
    assert.equal(list.code, 0, list.stderr);
    const names = (JSON.parse(list.stdout) as { members: { name: string; peerURLs: string[] }[] }).members.map((m) => `${m.name}=${m.peerURLs.join(",")}`).sort();
    assert.deepEqual(names, HOSTS.map((h) => `${h.name}=https://${h.address}:2380`));
  });

  test("the admin certificate writes and reads through every member", async (t) => {
    if (skipped || !ready(t)) return;
    assert.ok(network && members.length === 3, "the cluster test ran");
    await assertReadWriteEverywhere(network, outputDir, HOSTS);
  });

  test("a client certificate from another CA and a plain-HTTP client are refused", async (t) => {
    if (skipped || !ready(t)) return;
    assert.ok(network && members.length === 3, "the cluster test ran");
    const foreign = join(dir, "foreign-pki");
    await ensurePki({ dir: foreign, cluster: "foreign", algorithm: "ecdsa-p256", subject: {}, validityDays: 30, caValidityDays: 60, hosts: [], clients: ["admin"], now: new Date(), replaceCa: false });
    const refused = await etcdctl(network, outputDir, "etcd-1", ["get", "/boot/key-0", "--dial-timeout=3s", "--command-timeout=5s"], {
      ETCDCTL_ENDPOINTS: "https://10.214.0.11:2379",
      ETCDCTL_CERT: join(foreign, "clients", "admin.crt"),
      ETCDCTL_KEY: join(foreign, "clients", "admin.key"),
    });
    assert.notEqual(refused.code, 0, "a foreign client certificate must not be accepted");
    assert.doesNotMatch(refused.stdout, /written via/);
    const etcd1 = members.find((m) => m.host === "etcd-1");
    assert.match(await logTail(etcd1?.logFile ?? "", 200), /rejected connection.*certificate signed by unknown authority/, "etcd-1 says why it refused");

    const body = ["-d", '{"key":"L2Jvb3Qva2V5LTA="}'];
    const plain = await network.run("etcd-1", ["curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", "http://10.214.0.11:2379/v3/kv/range", ...body], { timeoutMs: 10_000 });
    // etcd either answers 400 or closes the connection (curl: 000); never a 2xx with data.
    assert.match(plain.stdout.trim(), /^(000|400)$/, `plain HTTP must be refused by the TLS listener (got ${plain.stdout} ${plain.stderr})`);

    const noClientCert = await network.run("etcd-1", ["curl", "-sS", "--max-time", "5", "--cacert", join(dir, "pki", "boot", "ca.crt"), "https://10.214.0.11:2379/v3/kv/range", ...body], { timeoutMs: 10_000 });
    assert.notEqual(noClientCert.code, 0, "TLS without a client certificate must be refused");
    assert.doesNotMatch(noClientCert.stdout, /kvs/);
  });
});

describe("the installer refuses a release that does not match its checksum", { timeout: 120_000 }, () => {
  async function refusedInstall(t: TestContext, prepare: (release: UpstreamRelease) => Promise<string>) {
    if (!requirePrerequisites(t, BOOT_PREREQUISITES)) return;
    const dir = await tempDir("tampered");
    const release = await makeUpstreamRelease(join(dir, "releases"), await installedEtcdVersion());
    const server = await serveFolder(join(dir, "releases"));
    t.after(() => server.close());
    const outputDir = await buildCluster(dir, "boot", specText(release.version, server.baseUrl, await prepare(release)));
    const { rootDir, userData } = await provisionCloudInitHost(outputDir, "etcd-1", join(dir, "hosts"));
    const result = await runInstaller(rootDir, userData);
    assert.notEqual(result.code, 0, "the installer must fail");
    assert.match(result.stderr, /checksum mismatch/);
    assert.match(result.stderr, /etcdboot: FAILED: no verified download .* after 5 attempts/);
    assert.deepEqual(await installedBinaries(rootDir), [], "nothing is installed, not even a staged file");
    assert.equal(server.requests.filter((p) => p.endsWith(".tar.gz")).length, 5, "it retried");
  }

  test("a tampered tarball (SHA256SUMS from the mirror)", (t) =>
    refusedInstall(t, async (release) => {
      await tamperRelease(release);
      return "";
    }));

  test("a genuine tarball that does not match the checksum pinned in the spec", (t) => refusedInstall(t, async () => `, sha256: {amd64: ${"ab".repeat(32)}}`));
});

