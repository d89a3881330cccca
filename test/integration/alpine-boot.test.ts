// Alpine overlays with real etcd: three alpine-virt (amd64) hosts, then a mixed cluster of two
// cloud-init hosts and one Alpine host. Each overlay is unpacked onto its own root as Alpine's
// initramfs would; etcd runs from the overlay's own binary (Debian's etcd, bundled by the build
// from an upstream-layout release served on 127.0.0.1) with the overlay's conf.yml, started as
// the OpenRC script says, each member in its own network namespace.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test, type TestContext } from "node:test";
import { OPENRC_LAYOUT } from "../../src/etcd/layout.js";
import { readTarGz } from "../harness/archive.js";
import { runCommand } from "../harness/exec.js";
import { hostPath } from "../harness/host-root.js";
import { serveFolder } from "../harness/http-server.js";
import { createTestNetwork, type TestNetwork } from "../harness/netns.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { installedEtcdVersion, makeUpstreamRelease, type UpstreamRelease } from "../harness/release.js";
import type { RunningService } from "../harness/service.js";
import { tempDir } from "../support.js";
import { assertReadWriteEverywhere, bootAlpineHost, bootCloudInitHost, BOOT_PREREQUISITES, buildCluster, unpackOverlay, waitForHealthyCluster } from "./support/boot.js";

interface TestHost {
  name: string;
  address: string;
  target: "alpine-virt" | "debian-12";
}

function specText(cluster: string, version: string, downloadUrl: string, hosts: TestHost[], install: "bundle" | "fetch" = "bundle"): string {
  return [
    "apiVersion: etcdboot/v1alpha1",
    `cluster: {name: ${cluster}}`,
    `etcd: {version: "${version}", downloadUrl: "${downloadUrl}", install: ${install}}`,
    "defaults: {network: {prefix: 24}}",
    "hosts:",
    ...hosts.map((h) => `  - {name: ${h.name}, address: ${h.address}, target: ${h.target}${h.target === "alpine-virt" ? ", storage: {device: LABEL=etcd-data}" : ""}}`),
    "",
  ].join("\n");
}

describe("Alpine overlays boot into one cluster with real etcd", { timeout: 240_000 }, () => {
  let dir = "";
  let release: UpstreamRelease | undefined;
  let server: Awaited<ReturnType<typeof serveFolder>> | undefined;
  const networks: TestNetwork[] = [];

  before(async () => {
    dir = await tempDir("alpine-boot");
    const version = await installedEtcdVersion().catch(() => "");
    if (!version) return;
    release = await makeUpstreamRelease(join(dir, "releases"), version);
    server = await serveFolder(join(dir, "releases"));
  });

  after(async () => {
    for (const network of networks) await network.destroy();
    await server?.close();
  });

  function ready(t: TestContext): { release: UpstreamRelease; baseUrl: string } | undefined {
    if (!requirePrerequisites(t, BOOT_PREREQUISITES)) return undefined;
    assert.ok(release && server, "an upstream-layout release was built from Debian's etcd and served");
    return { release, baseUrl: server.baseUrl };
  }

  async function bootCluster(cluster: string, hosts: TestHost[], r: { release: UpstreamRelease; baseUrl: string }, install: "bundle" | "fetch" = "bundle") {
    const clusterDir = join(dir, cluster);
    const spec = specText(cluster, r.release.version, r.baseUrl, hosts, install);
    const outputDir = await buildCluster(clusterDir, cluster, spec, ["--cache-dir", join(dir, "cache"), "--quiet"]);
    const network = await createTestNetwork(hosts.map((h) => ({ name: h.name, address: h.address, prefixLength: 24 })));
    networks.push(network);
    const members: RunningService[] = [];
    for (const host of hosts) {
      const boot = host.target === "alpine-virt" ? bootAlpineHost : bootCloudInitHost;
      members.push(await boot(network, outputDir, host.name, join(clusterDir, "hosts")));
    }
    await waitForHealthyCluster(network, outputDir, hosts[0]!.name, members);
    await assertReadWriteEverywhere(network, outputDir, hosts);
    return { outputDir, clusterDir };
  }

  test("three Alpine hosts form a cluster from their overlays alone", async (t) => {
    const r = ready(t);
    if (!r) return;
    const hosts: TestHost[] = [1, 2, 3].map((i) => ({ name: `alp-${i}`, address: `10.215.0.1${i}`, target: "alpine-virt" }));
    const { outputDir, clusterDir } = await bootCluster("alpine", hosts, r);

    // What each overlay carries: the bundled binary is Debian's etcd, byte for byte; no CA key; no other host's key.
    const caKey = (await readFile(join(clusterDir, "pki", "alpine", "ca.key"), "utf8")).trim();
    const debianEtcd = await readFile("/usr/bin/etcd");
    for (const host of hosts) {
      const entries = await readTarGz(await readFile(join(outputDir, "hosts", host.name, `${host.name}.apkovl.tar.gz`)));
      assert.ok(entries.find((e) => e.path === "usr/local/bin/etcd")?.content?.equals(debianEtcd), "the overlay bundles the verified release's etcd");
      const everything = Buffer.concat(entries.map((e) => e.content ?? Buffer.alloc(0))).toString("latin1");
      assert.ok(!everything.includes(caKey), "no CA key in an overlay");
      for (const other of hosts) {
        const otherKey = (await readFile(join(clusterDir, "pki", "alpine", "hosts", `${other.name}.key`), "utf8")).trim();
        assert.equal(everything.includes(otherKey), other.name === host.name, `${other.name}'s key in ${host.name}'s overlay?`);
      }
    }
  });

  test("the init script passes a real shell's syntax check", async (t) => {
    const r = ready(t);
    if (!r) return;
    const rootDir = await unpackOverlay(join(dir, "alpine", "output", "alpine"), "alp-1", join(dir, "syntax"));
    for (const shell of ["dash", "bash"]) {
      for (const path of [OPENRC_LAYOUT.initScript, OPENRC_LAYOUT.confFile]) {
        const result = await runCommand([shell, "-n", hostPath(rootDir, path)]);
        assert.equal(result.code, 0, `${shell} -n ${path}: ${result.stderr}`);
      }
    }
    assert.match(await readFile(hostPath(rootDir, OPENRC_LAYOUT.initScript), "utf8"), /^#!\/sbin\/openrc-run\n/);
  });

  test("fetch mode: overlays carry the installer, which fetches and verifies etcd at first start, and the members form a cluster", async (t) => {
    const r = ready(t);
    if (!r) return;
    const hosts: TestHost[] = [1, 2, 3].map((i) => ({ name: `alf-${i}`, address: `10.217.0.1${i}`, target: "alpine-virt" }));
    const { outputDir, clusterDir } = await bootCluster("alpine-fetch", hosts, r, "fetch");
    const entries = await readTarGz(await readFile(join(outputDir, "hosts", "alf-1", "alf-1.apkovl.tar.gz")));
    assert.ok(entries.some((e) => e.path === OPENRC_LAYOUT.installScript.slice(1)), "the overlay carries the installer");
    assert.ok(!entries.some((e) => e.path.startsWith("usr/local/bin/")), "and no binary");
    const installed = await readFile(hostPath(join(clusterDir, "hosts", "alf-1"), "/usr/local/bin/etcd"));
    assert.ok(installed.equals(await readFile("/usr/bin/etcd")), "the installer put the verified release's etcd in place");
  });

  test("a mixed cluster: two cloud-init hosts and one Alpine host", async (t) => {
    const r = ready(t);
    if (!r) return;
    const hosts: TestHost[] = [
      { name: "vm-1", address: "10.216.0.11", target: "debian-12" },
      { name: "vm-2", address: "10.216.0.12", target: "debian-12" },
      { name: "alp-1", address: "10.216.0.13", target: "alpine-virt" },
    ];
    await bootCluster("mixed", hosts, r);
  });
});
