// plan tells what a change needs, from real builds: after pin only the installer changes
// (nothing to do on running members); a tuning change is etcd configuration (restart); a
// gateway change is network; a renewal is a certificate copy. --diff shows the content change
// and never a key; --exit-code says whether anything would change.

import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { main } from "../../src/cli/main.js";
import type { ChangePlan, HostPlanLine } from "../../src/state/change-plan.js";
import { serveFolder } from "../harness/http-server.js";
import { installedEtcdVersion, makeUpstreamRelease, type UpstreamRelease } from "../harness/release.js";
import { FIXED_NOW, tempDir } from "../support.js";

const DAY = 86_400_000;
const HOSTS = ["etcd-1", "etcd-2", "etcd-3"];

async function runAt(now: Date, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), now: () => now });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("plan: what kind of change, and what a running member needs", () => {
  let dir = "";
  let release: UpstreamRelease;
  let server: Awaited<ReturnType<typeof serveFolder>>;
  const spec = () => join(dir, "kinds.yaml");
  const dirs = () => ["--out", join(dir, "output"), "--pki", join(dir, "pki"), "--cache-dir", join(dir, "cache"), "--quiet"];

  async function writeSpec({ heartbeat = 100, gateway = "10.30.0.1" } = {}): Promise<void> {
    const hosts = HOSTS.map((name, i) => `  - {name: ${name}, address: 10.30.0.${11 + i}}`).join("\n");
    await writeFile(
      spec(),
      `apiVersion: etcdboot/v1alpha1\ncluster: {name: kinds}\netcd: {version: "${release.version}", downloadUrl: "${server.baseUrl}"}\n` +
        `tls: {validityDays: 60}\ntuning: {heartbeatIntervalMs: ${heartbeat}, electionTimeoutMs: 1000}\n` +
        `defaults: {network: {prefix: 24, gateway: ${gateway}}}\nhosts:\n${hosts}\n`,
    );
  }

  async function build(now = FIXED_NOW): Promise<void> {
    const built = await runAt(now, ["build", spec(), ...dirs()]);
    assert.equal(built.code, 0, built.err);
  }

  async function plan(now = FIXED_NOW, extra: string[] = []) {
    const result = await runAt(now, ["plan", spec(), ...dirs(), ...extra]);
    assert.doesNotMatch(`${result.out}${result.err}`, /PRIVATE KEY/, "no key material in plan's output");
    return result;
  }

  async function planJson(now = FIXED_NOW): Promise<ChangePlan & { kind: string; version: number; changes: boolean }> {
    const result = await plan(now, ["--json"]);
    assert.equal(result.code, 0, result.err);
    return JSON.parse(result.out) as ChangePlan & { kind: string; version: number; changes: boolean };
  }

  const summary = (h: HostPlanLine) => ({ host: h.host, change: h.change, kinds: h.kinds, restartEtcd: h.restartEtcd });

  before(async () => {
    dir = await tempDir("plan-kinds");
    release = await makeUpstreamRelease(join(dir, "releases"), await installedEtcdVersion());
    server = await serveFolder(join(dir, "releases"));
    await writeSpec();
    await build();
  });
  // The release copy and the cache are tens of MiB: the machine's /tmp is shared.
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("nothing to change: every host unchanged, --exit-code 0", async () => {
    const planned = await planJson();
    assert.equal(planned.kind, "plan");
    assert.equal(planned.version, 1);
    assert.equal(planned.changes, false);
    assert.ok(planned.hosts.every((h) => h.change === "unchanged" && h.clusterSteps.length === 0));
    assert.equal((await plan(FIXED_NOW, ["--exit-code"])).code, 0);
  });

  test("after pin: installer only, nothing to do on running members; --diff shows the checksum line; --exit-code 1", async () => {
    const pinned = await runAt(FIXED_NOW, ["pin", spec(), "--cache-dir", join(dir, "cache"), "--json"]);
    assert.equal(pinned.code, 0, pinned.err);
    assert.deepEqual(JSON.parse(pinned.out), {
      kind: "pin",
      version: 1,
      lockFile: join(dir, "kinds.lock.json"),
      changed: true,
      releases: [{ version: release.version, arch: "amd64", url: `${server.baseUrl}${release.tarballUrlPath}`, sha256: release.sha256, verified: "downloaded, verified against the mirror's SHA256SUMS" }],
    });
    const planned = await planJson();
    assert.equal(planned.changes, true);
    assert.deepEqual(planned.hosts.map(summary), HOSTS.map((host) => ({ host, change: "changed", kinds: ["installer"], restartEtcd: false })));
    for (const h of planned.hosts) {
      assert.deepEqual(h.reasons, ["installer only"]);
      assert.deepEqual(h.files, [{ path: "/usr/local/sbin/etcdboot-install-etcd", change: "changed", kind: "installer" }]);
      assert.deepEqual(h.artifacts, [`hosts/${h.host}/meta-data`, `hosts/${h.host}/seed.iso`, `hosts/${h.host}/user-data`]);
      assert.deepEqual(h.clusterSteps, ["installer only: nothing to do on the running member (the installer runs only on first boot)"]);
    }
    const text = await plan(FIXED_NOW, ["--diff", "--exit-code"]);
    assert.equal(text.code, 1, "--exit-code: changes pending");
    assert.match(text.out, /changed   etcd-1 \(installer only\)/);
    assert.match(text.out, /^diff for etcd-1:\n--- a\/usr\/local\/sbin\/etcdboot-install-etcd\n\+\+\+ b\/usr\/local\/sbin\/etcdboot-install-etcd\n@@ /m);
    assert.match(text.out, new RegExp(`^\\+.*${release.sha256}`, "m"), "the pinned checksum is the added line");
    assert.equal(text.out.match(/^[-+](?![-+])/gm)?.length, 3 * 2, "one line out and one in, per host");
    await build();
    assert.equal((await plan(FIXED_NOW, ["--exit-code"])).code, 0, "built: nothing pending");
  });

  test("a tuning change: etcd configuration, restart etcd", async () => {
    await writeSpec({ heartbeat: 150 });
    const planned = await planJson();
    assert.deepEqual(planned.hosts.map(summary), HOSTS.map((host) => ({ host, change: "changed", kinds: ["config"], restartEtcd: true })));
    assert.deepEqual(planned.hosts[0]?.files?.map((f) => f.path), ["/etc/etcd/etcd.conf.yml"]);
    assert.match(planned.hosts[0]?.clusterSteps[0] ?? "", /install etcd-1's new etcd configuration and restart etcd there/);
    const text = await plan(FIXED_NOW, ["--diff"]);
    assert.match(text.out, /^-heartbeat-interval: 100$/m);
    assert.match(text.out, /^\+heartbeat-interval: 150$/m);
    await build();
  });

  test("a gateway change: network only, etcd keeps running", async () => {
    await writeSpec({ heartbeat: 150, gateway: "10.30.0.254" });
    const planned = await planJson();
    assert.deepEqual(planned.hosts.map(summary), HOSTS.map((host) => ({ host, change: "changed", kinds: ["network"], restartEtcd: false })));
    assert.deepEqual(planned.hosts[0]?.files, [{ path: "network-config", change: "changed", kind: "network" }]);
    assert.match(planned.hosts[0]?.clusterSteps[0] ?? "", /apply etcd-1's new network configuration \(or reboot it\)/);
    assert.match((await plan(FIXED_NOW, ["--diff"])).out, /^-\s+via: 10\.30\.0\.1$\n^\+\s+via: 10\.30\.0\.254$/m);
    await build();
  });

  test("an Alpine overlay: its planned files read back from the last overlay; bundled binaries unchanged, config changed", async () => {
    const alpine = join(dir, "pi.yaml");
    const write = (heartbeat: number) =>
      writeFile(alpine, `apiVersion: etcdboot/v1alpha1\ncluster: {name: pi}\netcd: {version: "${release.version}", downloadUrl: "${server.baseUrl}"}\ntuning: {heartbeatIntervalMs: ${heartbeat}, electionTimeoutMs: 2000}\nhosts:\n  - {name: pi-1, address: 10.31.0.1, target: alpine-virt, storage: {tmpfs: true}}\n`);
    await write(100);
    assert.equal((await runAt(FIXED_NOW, ["build", alpine, ...dirs()])).code, 0);
    await write(200);
    const result = await runAt(FIXED_NOW, ["plan", alpine, ...dirs(), "--diff", "--json"]);
    assert.equal(result.code, 0, result.err);
    const planned = JSON.parse(result.out) as ChangePlan & { diffs: { host: string; lines: string[] }[] };
    assert.deepEqual(planned.hosts.map(summary), [{ host: "pi-1", change: "changed", kinds: ["config"], restartEtcd: true }]);
    assert.deepEqual(planned.hosts[0]?.files?.map((f) => f.path), ["/etc/etcd/conf.yml"]);
    assert.deepEqual(planned.diffs.map((d) => d.host), ["pi-1"]);
    const lines = planned.diffs[0]?.lines ?? [];
    assert.deepEqual(lines.filter((l) => /^(---|\+\+\+) /.test(l)), ["--- a/etc/etcd/conf.yml", "+++ b/etc/etcd/conf.yml"], "only the changed file; the binaries are the same");
    assert.deepEqual(lines.filter((l) => /^[-+]heartbeat/.test(l)), ["-heartbeat-interval: 100", "+heartbeat-interval: 200"]);
  });

  test("certificates near expiry: a certificate copy, no restart, and the diff of a certificate but never of a key", async () => {
    const later = new Date(FIXED_NOW.getTime() + 50 * DAY);
    const planned = await planJson(later);
    // The renewed certificates retire the old ones: the CRL that lists them goes along, also without a restart.
    assert.deepEqual(planned.hosts.map(summary), HOSTS.map((host) => ({ host, change: "changed", kinds: ["certificate", "revocation"], restartEtcd: false })));
    assert.deepEqual(planned.hosts[0]?.reasons, ["certificate (expires soon)", "revocation list"]);
    assert.match(planned.hosts[0]?.clusterSteps[0] ?? "", /^copy hosts\/etcd-1\/member\.crt to \/etc\/etcd\/pki\/member\.crt on etcd-1 \(.*no restart\)$/);
    assert.match(planned.hosts[0]?.clusterSteps[1] ?? "", /^copy crl\.der to \/etc\/etcd\/pki\/crl\.der on etcd-1 \(.*no restart\)$/);
    const text = await plan(later, ["--diff"]);
    assert.match(text.out, /^\+\+\+ b\/etc\/etcd\/pki\/member\.crt$/m);
    for (const f of planned.hosts[0]?.files ?? []) if (f.path.endsWith(".key")) assert.match(text.out, /\(holds a private key: contents not shown\)/);
  });
});
