// A real Prometheus scrapes a real cluster booted from the build's artifacts — two cloud-init
// hosts and one Alpine overlay, metrics.listen: host — with the generated scrape job pasted into
// its prometheus.yml, and reads up == 1 for every member back from its HTTP API. The same server
// scrapes the cluster through the client port too, with the job a localhost-mode build writes
// and the client certificate where that build's notes put it. Prometheus runs inside the test
// network (in the first host's namespace), so it reaches the members' addresses and nothing else.

import assert from "node:assert/strict";
import { copyFile, mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { serveFolder } from "../harness/http-server.js";
import { createTestNetwork, type TestNetwork } from "../harness/netns.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { pastedConfig, PROMETHEUS_PREREQUISITES, scrapeJobs, startPrometheus, writeConfig } from "../harness/prometheus.js";
import { installedEtcdVersion, makeUpstreamRelease, type UpstreamRelease } from "../harness/release.js";
import { logTail, type RunningService } from "../harness/service.js";
import { waitUntil } from "../harness/wait.js";
import { tempDir } from "../support.js";
import { bootAlpineHost, bootCloudInitHost, BOOT_PREREQUISITES, buildCluster, serveLocalRelease, waitForHealthyCluster } from "./support/boot.js";

const HOSTS = [
  { name: "vm-1", address: "10.223.0.11", target: "debian-12" },
  { name: "vm-2", address: "10.223.0.12", target: "debian-12" },
  { name: "alp-3", address: "10.223.0.13", target: "alpine-virt" },
] as const;

function specText(version: string, downloadUrl: string, metrics: "host" | "localhost"): string {
  return [
    "apiVersion: etcdboot/v1alpha1",
    "cluster: {name: mon}",
    `etcd: {version: "${version}", downloadUrl: "${downloadUrl}"}`,
    `metrics: {listen: ${metrics}}`,
    "defaults: {network: {prefix: 24}}",
    "hosts:",
    ...HOSTS.map((h) => `  - {name: ${h.name}, address: ${h.address}, target: ${h.target}${h.target === "alpine-virt" ? ", storage: {device: LABEL=etcd-data}" : ""}}`),
    "clients: [admin, prometheus]",
    "",
  ].join("\n");
}

/** The alerting rules as the server reports them (name, health, state, last evaluation). */
async function ruleGroups(network: TestNetwork): Promise<{ name: string; health: string; state: string; lastEvaluation: string }[]> {
  const result = await network.run(HOSTS[0].name, ["curl", "-sS", "--max-time", "5", "http://127.0.0.1:9090/api/v1/rules"], { timeoutMs: 10_000 });
  const body = JSON.parse(result.stdout) as { data: { groups: { rules: { name: string; health: string; state: string; lastEvaluation: string }[] }[] } };
  return body.data.groups.flatMap((group) => group.rules);
}

describe("a real Prometheus scrapes every member with the generated jobs", { timeout: 240_000 }, () => {
  let dir = "";
  let release: UpstreamRelease | undefined;
  let server: Awaited<ReturnType<typeof serveFolder>> | undefined;
  let network: TestNetwork | undefined;

  before(async () => {
    dir = await tempDir("prometheus-scrape");
    const served = await serveLocalRelease(dir);
    if (!served) return;
    ({ release, server } = served);
  });

  after(async () => {
    await network?.destroy();
    await server?.close();
    // The release and the members' roots are a few hundred MB: leave nothing behind.
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("metrics.listen: host (plain HTTP on each member's address) and the TLS job through the client port: up == 1 for every member, Alpine and cloud-init alike", async (t) => {
    if (!requirePrerequisites(t, { ...BOOT_PREREQUISITES, commands: [...BOOT_PREREQUISITES.commands, ...PROMETHEUS_PREREQUISITES.commands, "mount"] })) return;
    assert.ok(release && server, "an upstream-layout release was built from Debian's etcd and served");
    const buildArgs = ["--cache-dir", join(dir, "cache"), "--quiet"];
    const outputDir = await buildCluster(dir, "mon", specText(release.version, server.baseUrl, "host"), buildArgs);
    // The same cluster and PKI built for localhost metrics: only its prometheus/ folder is used, for the TLS job.
    const localDir = join(dir, "localhost");
    const localOutput = await buildCluster(localDir, "mon", specText(release.version, server.baseUrl, "localhost"), [...buildArgs, "--pki", join(dir, "pki")]);

    network = await createTestNetwork(HOSTS.map((h) => ({ name: h.name, address: h.address, prefixLength: 24 })));
    const members: RunningService[] = [];
    for (const host of HOSTS) {
      const boot = host.target === "alpine-virt" ? bootAlpineHost : bootCloudInitHost;
      members.push(await boot(network, outputDir, host.name, join(dir, "hosts")));
    }
    await waitForHealthyCluster(network, outputDir, HOSTS[0].name, members);

    // /etc/prometheus as the localhost build's notes say: the CA, and the prometheus client's certificate and key.
    const etc = join(dir, "etc-prometheus");
    const notes = await readFile(join(localOutput, "prometheus", "README.md"), "utf8");
    assert.match(notes, /put into `\/etc\/prometheus\/etcd-mon\/`/);
    await mkdir(join(etc, "etcd-mon"), { recursive: true });
    await copyFile(join(outputDir, "ca.crt"), join(etc, "etcd-mon", "ca.crt"));
    await copyFile(join(dir, "pki", "mon", "clients", "prometheus.crt"), join(etc, "etcd-mon", "client.crt"));
    await copyFile(join(dir, "pki", "mon", "clients", "prometheus.key"), join(etc, "etcd-mon", "client.key"));

    // The generated jobs, pasted; the test only scrapes faster and gives the second job its own name.
    const [plainJob] = await scrapeJobs(join(outputDir, "prometheus", "scrape-job.yml"));
    const [tlsJob] = await scrapeJobs(join(localOutput, "prometheus", "scrape-job.yml"));
    assert.ok(plainJob && tlsJob);
    assert.equal(plainJob["scheme"], "http");
    assert.equal(tlsJob["scheme"], "https");
    const jobs = [
      { ...plainJob, scrape_interval: "1s" },
      { ...tlsJob, job_name: "etcd-mon-tls", scrape_interval: "1s" },
    ];
    const rules = join(outputDir, "prometheus", "etcd-alerts.yml");
    const global = { scrape_interval: "1s", evaluation_interval: "1s" };
    const config = await writeConfig(join(dir, "prometheus"), "prometheus.yml", pastedConfig(jobs, { global, rule_files: [rules] }));
    const logFile = join(dir, "prometheus", "prometheus.log");
    const prometheus = await startPrometheus(network, HOSTS[0].name, config, join(dir, "prometheus", "data"), logFile, etc);

    const members1 = HOSTS.map((h) => h.name).sort();
    for (const job of ["etcd-mon", "etcd-mon-tls"]) {
      let last: unknown;
      try {
        await waitUntil(
          async () => {
            const up = await prometheus.query(`up{job="${job}"}`);
            last = up;
            return up.length === HOSTS.length && up.every((series) => series.value[1] === "1");
          },
          { timeoutMs: 60_000, intervalMs: 1_000, description: `up == 1 for every member of job ${job}`, giveUpIf: () => (prometheus.child.exitCode !== null ? "prometheus exited" : undefined) },
        );
      } catch (error) {
        const targets = await network.run(HOSTS[0].name, ["curl", "-sS", "http://127.0.0.1:9090/api/v1/targets"]);
        throw new Error(`${String(error)}\nlast: ${JSON.stringify(last)}\ntargets: ${targets.stdout}\n${await logTail(logFile, 20)}`);
      }
      const up = await prometheus.query(`up{job="${job}"}`);
      assert.deepEqual(up.map((s) => s.metric["member"]).sort(), members1, `${job}: one series per member, labelled with its name`);
      assert.ok(up.every((s) => s.metric["cluster"] === "mon"));
      // What was scraped is etcd's own metrics: every member sees the leader.
      const leader = await prometheus.query(`etcd_server_has_leader{job="${job}"}`);
      assert.deepEqual(leader.map((s) => [s.metric["member"], s.value[1]]).sort(), members1.map((m) => [m, "1"]));
    }
    // The rules evaluate without error, and none fires on a healthy cluster.
    await waitUntil(async () => (await ruleGroups(network!)).every((rule) => rule.health === "ok" && rule.lastEvaluation !== "0001-01-01T00:00:00Z"), {
      timeoutMs: 20_000,
      description: "every rule evaluated once, without error",
    });
    const firing = (await ruleGroups(network)).filter((rule) => rule.state === "firing").map((rule) => rule.name);
    assert.deepEqual(firing, [], "no alert fires on a healthy cluster");

    // One member stops: Prometheus sees it down, and its peers' failed sends appear (a labelled counter
    // exists only from its first event). Then every etcd metric the rules read is one this etcd exposes.
    const stopped = members[2];
    assert.ok(stopped?.child.pid);
    process.kill(stopped.child.pid, "SIGTERM");
    const used = [...new Set((await readFile(rules, "utf8")).match(/\betcd_[a-z_]+/g) ?? [])].sort();
    assert.ok(used.length >= 8, `the rules read etcd's metrics: ${used.join(", ")}`);
    let missing: string[] = [];
    await waitUntil(
      async () => {
        const down = await prometheus.query(`up{job="etcd-mon", member="${stopped.host}"} == 0`);
        const exposed = new Set((await prometheus.query('count by (__name__) ({job="etcd-mon", __name__=~"etcd_.+"})')).map((s) => s.metric["__name__"]));
        missing = used.filter((name) => !exposed.has(name));
        return down.length === 1 && missing.length === 0;
      },
      { timeoutMs: 30_000, intervalMs: 1_000, description: `${stopped.host} seen down, and every metric the rules read exposed (missing: ${missing.join(", ")})` },
    ).catch((error: unknown) => assert.fail(`${String(error)}; missing: ${missing.join(", ")}`));
    const plainTargets = (plainJob["static_configs"] as { targets: string[] }[]).map((g) => g.targets[0]);
    assert.deepEqual(plainTargets, HOSTS.map((h) => `${h.address}:2381`), "the plain job scrapes each member's own address");
  });
});
