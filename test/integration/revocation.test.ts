// Retired certificates stop working, with real etcd in network namespaces: 3 members and two
// clients; etcd-3 and the client "app" leave the spec; after the rebuild the new CRL is copied to
// the remaining members (no restart: etcd reads it for every new connection). From then on
// etcd-3's certificate is refused as a client (etcdctl) and as a peer (TLS to the peer port),
// and so is app's, while the remaining members and admin still work. Before the copy the same
// certificates were accepted, so it is the CRL that refuses them.

import assert from "node:assert/strict";
import { copyFile, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { SYSTEMD_LAYOUT } from "../../src/etcd/layout.js";
import type { ChangePlan } from "../../src/state/change-plan.js";
import { runCommand } from "../harness/exec.js";
import { hostPath } from "../harness/host-root.js";
import { serveFolder } from "../harness/http-server.js";
import { createTestNetwork, type TestNetwork } from "../harness/netns.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { installedEtcdVersion, makeUpstreamRelease } from "../harness/release.js";
import type { RunningService } from "../harness/service.js";
import { REPO, runCli, tempDir } from "../support.js";
import { BOOT_PREREQUISITES, bootCloudInitHost, etcdctl, waitForHealthyCluster } from "./support/boot.js";

const HOSTS = ["etcd-1", "etcd-2", "etcd-3"].map((name, i) => ({ name, address: `10.221.0.${11 + i}` }));

describe("a retired certificate is refused by real etcd once the CRL is on the members", { timeout: 300_000 }, () => {
  let dir = "";
  let version = "";
  let server: Awaited<ReturnType<typeof serveFolder>> | undefined;
  let network: TestNetwork | undefined;
  const running = new Map<string, RunningService>();

  const spec = () => join(dir, "cluster.yaml");
  const outputDir = () => join(dir, "output", "revoking");
  const pkiDir = () => join(dir, "pki", "revoking");
  const rootOf = (host: string) => join(dir, "hosts", host);

  async function writeSpec(hosts: typeof HOSTS, clients: string[]): Promise<void> {
    const lines = hosts.map((h) => `  - {name: ${h.name}, address: ${h.address}}`);
    await writeFile(
      spec(),
      `apiVersion: etcdboot/v1alpha1\ncluster: {name: revoking}\netcd: {version: "${version}", downloadUrl: "${server?.baseUrl}"}\n` +
        `defaults: {network: {prefix: 24}}\nclients: [${clients.join(", ")}]\nhosts:\n${lines.join("\n")}\n`,
    );
  }

  async function cli(args: string[]) {
    const result = await runCli([...args, spec(), "--out", join(dir, "output"), "--pki", join(dir, "pki"), "--quiet"]);
    assert.equal(result.code, 0, result.err);
    return result;
  }

  /** etcdctl from etcd-1's namespace against etcd-1 with the given certificate and key. */
  function etcdctlAs(cert: string, key: string, args: string[]) {
    assert.ok(network);
    return etcdctl(network, outputDir(), "etcd-1", ["--command-timeout", "5s", ...args], { ETCDCTL_ENDPOINTS: `https://${HOSTS[0]?.address}:2379`, ETCDCTL_CERT: cert, ETCDCTL_KEY: key });
  }

  /** An HTTPS request to a member's peer port (etcd serves /version there), as a peer with the certificate would make. */
  function peerRequest(from: string, to: string, cert: string, key: string) {
    assert.ok(network);
    return network.run(from, ["curl", "-sS", "--http1.1", "--max-time", "5", "--cacert", join(outputDir(), "ca.crt"), "--cert", cert, "--key", key, `https://${to}:2380/version`], { timeoutMs: 20_000 });
  }

  const etcd3Cert = () => hostPath(rootOf("etcd-3"), SYSTEMD_LAYOUT.memberCert);
  const etcd3Key = () => hostPath(rootOf("etcd-3"), SYSTEMD_LAYOUT.memberKey);
  const clientFiles = (name: string) => [join(pkiDir(), "clients", `${name}.crt`), join(pkiDir(), "clients", `${name}.key`)] as const;

  test("remove a member and a client, rebuild, copy the CRL: their certificates are refused, the others work", async (t) => {
    if (!requirePrerequisites(t, { ...BOOT_PREREQUISITES, commands: [...BOOT_PREREQUISITES.commands, "openssl"] })) return;
    dir = await tempDir("revocation");
    version = await installedEtcdVersion();
    await makeUpstreamRelease(join(dir, "releases"), version);
    server = await serveFolder(join(dir, "releases"));
    t.after(async () => {
      await network?.destroy();
      await server?.close();
      await rm(dir, { recursive: true, force: true }); // three host roots with etcd in them: ~300 MB
    });
    await writeSpec(HOSTS, ["admin", "app"]);
    await cli(["build"]);
    const emptyCrl = await readFile(join(outputDir(), "crl.der"));
    network = await createTestNetwork(HOSTS.map((h) => ({ ...h, prefixLength: 24 })));
    for (const { name } of HOSTS) running.set(name, await bootCloudInitHost(network, outputDir(), name, join(dir, "hosts")));
    await waitForHealthyCluster(network, outputDir(), "etcd-1", [...running.values()]);
    assert.equal((await etcdctl(network, outputDir(), "etcd-1", ["put", "/revoking/key", "kept"])).code, 0);

    // Accepted while on no CRL: as client and as peer.
    const [appCert, appKey] = clientFiles("app");
    assert.equal((await etcdctlAs(etcd3Cert(), etcd3Key(), ["get", "/revoking/key"])).code, 0, "etcd-3's certificate works as a client before");
    assert.equal((await etcdctlAs(appCert, appKey, ["get", "/revoking/key"])).code, 0, "app's certificate works before");
    const peerBefore = await peerRequest("etcd-3", HOSTS[0]?.address ?? "", etcd3Cert(), etcd3Key());
    assert.equal(peerBefore.code, 0, peerBefore.stderr);
    assert.match(peerBefore.stdout, /etcdserver/);

    // etcd-3 and app leave: the plan tells the remaining members to take the new CRL.
    const removed = await network.run("etcd-1", [process.execPath, join(REPO, "bin", "etcdboot.js"), "members", "remove", "etcd-3", "--force", spec(), "--pki", join(dir, "pki")], { timeoutMs: 120_000 });
    assert.equal(removed.code, 0, removed.stderr);
    await writeSpec(HOSTS.slice(0, 2), ["admin"]);
    const planned = JSON.parse((await cli(["plan", "--json"])).out) as ChangePlan;
    for (const line of planned.hosts.filter((h) => h.host !== "etcd-3")) {
      assert.deepEqual([line.change, line.reasons], ["changed", ["revocation list"]], line.host);
      assert.deepEqual(line.clusterSteps, [`copy crl.der to ${SYSTEMD_LAYOUT.crl} on ${line.host} (etcd reads it for every new connection: no restart)`]);
    }
    await cli(["build"]);
    const crl = await readFile(join(outputDir(), "crl.der"));
    assert.notDeepEqual(crl, emptyCrl);

    // The CRL as openssl sees it: signed by the CA, listing exactly etcd-3's and app's serials.
    const verified = await runCommand(["openssl", "crl", "-verify", "-noout", "-in", join(outputDir(), "crl.pem"), "-CAfile", join(outputDir(), "ca.crt")]);
    assert.match(verified.stderr + verified.stdout, /verify OK/);
    const listed = await runCommand(["openssl", "crl", "-noout", "-text", "-in", join(outputDir(), "crl.pem")]);
    const revoked = [...listed.stdout.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]).sort();
    const serialOf = async (cert: string) => (await runCommand(["openssl", "x509", "-noout", "-serial", "-in", cert])).stdout.trim().replace("serial=", "");
    assert.deepEqual(revoked, [await serialOf(etcd3Cert()), await serialOf(appCert)].sort());

    // Still accepted until the members have the new CRL.
    assert.equal((await etcdctlAs(appCert, appKey, ["get", "/revoking/key"])).code, 0, "app's certificate works until the CRL is copied");
    for (const { name } of HOSTS.slice(0, 2)) await copyFile(join(outputDir(), "crl.der"), hostPath(rootOf(name), SYSTEMD_LAYOUT.crl));

    const asEtcd3 = await etcdctlAs(etcd3Cert(), etcd3Key(), ["get", "/revoking/key"]);
    assert.notEqual(asEtcd3.code, 0, "etcd-3's certificate is refused as a client");
    const asApp = await etcdctlAs(appCert, appKey, ["get", "/revoking/key"]);
    assert.notEqual(asApp.code, 0, "app's certificate is refused as a client");
    for (const target of HOSTS.slice(0, 2)) {
      const asPeer = await peerRequest("etcd-3", target.address, etcd3Cert(), etcd3Key());
      assert.notEqual(asPeer.code, 0, `etcd-3's certificate is refused by ${target.name}'s peer port`);
    }
    const log = await readFile(running.get("etcd-1")?.logFile ?? "", "utf8");
    assert.match(log, new RegExp(`certificate serial ${(await serialOf(etcd3Cert())).toLowerCase()} revoked`), "etcd says why");

    // The others still work: admin as a client, the remaining members as peers, the cluster healthy.
    const [adminCert, adminKey] = clientFiles("admin");
    const asAdmin = await etcdctlAs(adminCert, adminKey, ["get", "/revoking/key", "--print-value-only"]);
    assert.equal(asAdmin.stdout.trim(), "kept", asAdmin.stderr);
    const etcd1Cert = hostPath(rootOf("etcd-1"), SYSTEMD_LAYOUT.memberCert);
    const etcd1Key = hostPath(rootOf("etcd-1"), SYSTEMD_LAYOUT.memberKey);
    const peer = await peerRequest("etcd-1", HOSTS[1]?.address ?? "", etcd1Cert, etcd1Key);
    assert.equal(peer.code, 0, peer.stderr);
    running.delete("etcd-3");
    await waitForHealthyCluster(network, outputDir(), "etcd-2", [...running.values()]);
    assert.equal((await etcdctl(network, outputDir(), "etcd-2", ["put", "/revoking/after", "yes"])).code, 0);
  });
});
