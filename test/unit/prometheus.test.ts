// The prometheus/ folder of a build: targets and labels as the spec says, the etcd config that
// serves them, and real promtool accepting the jobs (pasted into prometheus.yml, or included with
// scrape_config_files where this Prometheus knows it) and the rules, whose unit tests fire and
// resolve every alert.

import assert from "node:assert/strict";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { encodeOutputTree, type OutputFile } from "../../src/encoders/output-tree.js";
import { SYSTEMD_LAYOUT } from "../../src/etcd/layout.js";
import { alertRules } from "../../src/monitoring/alert-rules.js";
import { planCluster } from "../../src/plan/plan-host.js";
import { assembleSpec } from "../../src/spec/load-spec.js";
import { loadProfiles } from "../../src/spec/profiles.js";
import type { Spec } from "../../src/spec/types.js";
import { runCommand } from "../harness/exec.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { pastedConfig, PROMETHEUS_PREREQUISITES, promtoolReadsScrapeConfigFiles, scrapeJobs, withEtcPrometheus } from "../harness/prometheus.js";
import { REPO, runCli, standInPki, tempDir } from "../support.js";

const profiles = await loadProfiles();
const FIXTURES = join(REPO, "test", "prometheus");

function specOf(text: string): Spec {
  const result = assembleSpec("cluster.yaml", text, profiles);
  assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.diagnostics));
  return result.spec;
}

async function outputOf(spec: Spec): Promise<OutputFile[]> {
  const pki = standInPki(spec.hosts.map((h) => h.name), spec.clients.map((c) => c.name));
  return encodeOutputTree(spec, planCluster(spec, { pki }), pki, "/srv/pki/lab");
}

function text(files: OutputFile[], path: string): string {
  const file = files.find((f) => f.path === path);
  assert.ok(file, `no ${path} in the output`);
  return Buffer.from(file.content).toString("utf8");
}

/** The prometheus/ files of a build, written to a fresh folder. */
async function writtenFolder(files: OutputFile[], name: string): Promise<string> {
  const dir = join(await tempDir(name), "prometheus");
  await mkdir(dir);
  for (const file of files.filter((f) => f.path.startsWith("prometheus/"))) await writeFile(join(dir, file.path.slice("prometheus/".length)), file.content);
  return dir;
}

async function promtool(args: string[], cwd?: string): Promise<string> {
  const result = await runCommand(["promtool", ...args], { timeoutMs: 60_000, ...(cwd ? { cwd } : {}) });
  assert.equal(result.code, 0, `promtool ${args.join(" ")}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

const HOSTS = "hosts:\n  - {name: etcd-1, address: 10.0.0.1}\n  - {name: etcd-2, address: \"fd00::2\"}\n  - {name: pi-3, address: 10.0.0.3, target: alpine-rpi, arch: arm64, storage: {tmpfs: true}}\n";
const HOST_SPEC = `apiVersion: etcdboot/v1alpha1\ncluster: {name: lab}\netcd: {install: fetch}\nmetrics: {listen: host, port: 9379}\n${HOSTS}`;
const LOCAL_SPEC = `apiVersion: etcdboot/v1alpha1\ncluster: {name: lab}\netcd: {install: fetch}\n${HOSTS}clients: [admin, prometheus]\n`;

interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

describe("the prometheus/ folder", () => {
  test("metrics.listen: host — one plain-HTTP target per member on its own address and metrics port, labelled cluster and member; etcd listens there", async () => {
    const spec = specOf(HOST_SPEC);
    const files = await outputOf(spec);
    const expected: TargetGroup[] = [
      { targets: ["10.0.0.1:9379"], labels: { cluster: "lab", member: "etcd-1" } },
      { targets: ["[fd00::2]:9379"], labels: { cluster: "lab", member: "etcd-2" } },
      { targets: ["10.0.0.3:9379"], labels: { cluster: "lab", member: "pi-3" } },
    ];
    const [job] = (parse(text(files, "prometheus/scrape-job.yml")) as { scrape_configs: Record<string, unknown>[] }).scrape_configs;
    assert.deepEqual({ ...job, static_configs: undefined }, { job_name: "etcd-lab", scrape_interval: "15s", scheme: "http", metrics_path: "/metrics", static_configs: undefined });
    assert.deepEqual(job?.["static_configs"], expected);
    assert.deepEqual(JSON.parse(text(files, "prometheus/targets.json")), expected);
    const [fileSdJob] = (parse(text(files, "prometheus/file-sd-job.yml")) as { scrape_configs: Record<string, unknown>[] }).scrape_configs;
    assert.deepEqual(fileSdJob?.["file_sd_configs"], [{ files: ["/etc/prometheus/file_sd/etcd-lab.json"] }]);
    assert.match(text(files, "prometheus/README.md"), /plain HTTP on its own address, port 9379/);
    assert.doesNotMatch(text(files, "prometheus/README.md"), /client certificate/);

    // What each member's etcd listens on: its own address and loopback (cloud-init's write_files, and the overlay's conf.yml alike).
    const plans = planCluster(spec, { pki: standInPki(spec.hosts.map((h) => h.name), spec.clients.map((c) => c.name)) });
    for (const plan of plans) {
      const config = plan.files.find((f) => f.path === SYSTEMD_LAYOUT.configFile || f.path === "/etc/etcd/conf.yml");
      assert.ok(config, `${plan.host.name} has an etcd config`);
      const address = plan.host.address.includes(":") ? `[${plan.host.address}]` : plan.host.address;
      assert.equal((parse(String(config.content)) as Record<string, string>)["listen-metrics-urls"], `http://${address}:9379,http://127.0.0.1:9379`);
    }
  });

  test("metrics.listen: localhost (the default) — etcd's metrics stay on loopback; the job scrapes the client port over mutual TLS and the notes say which certificate to copy where", async () => {
    const spec = specOf(LOCAL_SPEC);
    const files = await outputOf(spec);
    const [job] = (parse(text(files, "prometheus/scrape-job.yml")) as { scrape_configs: Record<string, unknown>[] }).scrape_configs;
    assert.equal(job?.["scheme"], "https");
    assert.deepEqual(job?.["tls_config"], { ca_file: "/etc/prometheus/etcd-lab/ca.crt", cert_file: "/etc/prometheus/etcd-lab/client.crt", key_file: "/etc/prometheus/etcd-lab/client.key" });
    assert.deepEqual((job?.["static_configs"] as TargetGroup[]).map((g) => g.targets[0]), ["10.0.0.1:2379", "[fd00::2]:2379", "10.0.0.3:2379"]);
    const notes = text(files, "prometheus/README.md");
    assert.match(notes, /pki\/lab\/clients\/prometheus\.crt/);
    assert.match(notes, /every client certificate the CA\s+signed may read and write every key/);
    const plans = planCluster(spec, { pki: standInPki(spec.hosts.map((h) => h.name), spec.clients.map((c) => c.name)) });
    for (const plan of plans) assert.ok(plan.files.some((f) => String(f.content).includes("listen-metrics-urls: http://127.0.0.1:2381\n")), `${plan.host.name}: metrics on loopback only`);
    // Public files: no key, nothing secret.
    for (const file of files.filter((f) => f.path.startsWith("prometheus/"))) {
      assert.equal(file.secret, false);
      assert.doesNotMatch(Buffer.from(file.content).toString("utf8"), /private key of/);
    }
  });

  test("a spec without a prometheus client: the notes say to add one", async () => {
    const notes = text(await outputOf(specOf(LOCAL_SPEC.replace("clients: [admin, prometheus]\n", ""))), "prometheus/README.md");
    assert.match(notes, /Add a client for Prometheus to the spec, `clients: \[admin, prometheus\]`/);
  });
});

describe("promtool accepts the generated material", () => {
  test("promtool check rules, and check config with the static and the file_sd job pasted under scrape_configs (and included with scrape_config_files where supported)", async (t) => {
    if (!requirePrerequisites(t, PROMETHEUS_PREREQUISITES)) return;
    const spec = specOf(HOST_SPEC);
    const dir = await writtenFolder(await outputOf(spec), "promtool-check");
    const rules = await promtool(["check", "rules", join(dir, "etcd-alerts.yml")]);
    assert.match(rules, new RegExp(`SUCCESS: ${alertRules(spec).length} rules found`));
    for (const jobFile of ["scrape-job.yml", "file-sd-job.yml"]) {
      const config = join(dir, `pasted-${jobFile}`);
      await writeFile(config, pastedConfig(await scrapeJobs(join(dir, jobFile)), { rule_files: ["etcd-alerts.yml"] }));
      assert.match(await promtool(["check", "config", config]), /SUCCESS: 1 rule files found/);
    }
    if (await promtoolReadsScrapeConfigFiles()) {
      const config = join(dir, "included.yml");
      await writeFile(config, pastedConfig([], { scrape_config_files: [join(dir, "scrape-job.yml")] }).replace("scrape_configs: []\n", ""));
      await promtool(["check", "config", config]);
    } else t.diagnostic("this promtool predates scrape_config_files (Prometheus 2.43): checked the pasted job only");
  });

  test("the TLS job of localhost mode passes promtool check config once the certificates are in /etc/prometheus/etcd-<cluster>/ as the notes say", async (t) => {
    if (!requirePrerequisites(t, { ...PROMETHEUS_PREREQUISITES, root: true, commands: ["promtool", "unshare", "mount"] })) return;
    const dir = await tempDir("promtool-tls");
    await writeFile(join(dir, "cluster.yaml"), LOCAL_SPEC);
    const built = await runCli(["build", join(dir, "cluster.yaml"), "--out", join(dir, "out"), "--pki", join(dir, "pki")]);
    assert.equal(built.code, 0, built.err);
    const etc = join(dir, "etc-prometheus");
    await mkdir(join(etc, "etcd-lab"), { recursive: true });
    await copyFile(join(dir, "out", "lab", "ca.crt"), join(etc, "etcd-lab", "ca.crt"));
    await copyFile(join(dir, "pki", "lab", "clients", "prometheus.crt"), join(etc, "etcd-lab", "client.crt"));
    await copyFile(join(dir, "pki", "lab", "clients", "prometheus.key"), join(etc, "etcd-lab", "client.key"));
    const config = join(dir, "prometheus.yml");
    await writeFile(config, pastedConfig(await scrapeJobs(join(dir, "out", "lab", "prometheus", "scrape-job.yml"))));
    const checked = await runCommand(withEtcPrometheus(etc, ["promtool", "check", "config", config]), { timeoutMs: 60_000 });
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    // And without the files promtool refuses the job: the check above is not vacuous.
    const missing = await runCommand(["promtool", "check", "config", config], { timeoutMs: 60_000 });
    assert.notEqual(missing.code, 0, "without /etc/prometheus/etcd-lab/client.crt promtool must refuse the job");
  });

  test("promtool test rules: every alert fires and is resolved again (test/prometheus/etcd-alerts.test.yml)", async (t) => {
    if (!requirePrerequisites(t, PROMETHEUS_PREREQUISITES)) return;
    const spec = specOf(await readFile(join(FIXTURES, "cluster.yaml"), "utf8"));
    const dir = await writtenFolder(await outputOf(spec), "promtool-test");
    await copyFile(join(FIXTURES, "etcd-alerts.test.yml"), join(dir, "etcd-alerts.test.yml"));
    const output = await promtool(["test", "rules", "etcd-alerts.test.yml"], dir);
    assert.match(output, /SUCCESS/);

    // Each alert of the rules has, in one test, an eval_time where it fires and a later one where it is gone.
    const tests = (parse(await readFile(join(FIXTURES, "etcd-alerts.test.yml"), "utf8")) as { tests: { alert_rule_test: { eval_time: string; alertname: string; exp_alerts: unknown[] }[] }[] }).tests;
    const minutes = (time: string) => Number(/^(\d+)m$/.exec(time)?.[1] ?? Number.NaN);
    for (const { alert } of alertRules(spec)) {
      const covered = tests.some(({ alert_rule_test: checks }) => {
        const mine = checks.filter((c) => c.alertname === alert);
        return mine.some((fired) => fired.exp_alerts.length > 0 && mine.some((gone) => gone.exp_alerts.length === 0 && minutes(gone.eval_time) > minutes(fired.eval_time)));
      });
      assert.ok(covered, `${alert}: no test where it fires and is resolved later`);
    }
  });
});
