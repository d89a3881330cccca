// Prometheus for the tests: a prometheus.yml that takes the generated job as the README says
// (pasted under scrape_configs, or included with scrape_config_files where promtool knows it),
// /etc/prometheus seen from a test folder (the TLS job names files there), and a real server
// started in a test namespace whose HTTP API is read from inside that namespace.

import type { ChildProcess } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { toYaml } from "../../src/encoders/yaml.js";
import { runChecked } from "./exec.js";
import type { TestNetwork } from "./netns.js";
import { waitUntil } from "./wait.js";

export const PROMETHEUS_PREREQUISITES = { commands: ["prometheus", "promtool"] };

/** scrape_config_files came with Prometheus 2.43; Debian 12 ships 2.42. */
export async function promtoolReadsScrapeConfigFiles(): Promise<boolean> {
  const version = /version (\d+)\.(\d+)/.exec(await runChecked(["promtool", "--version"]))?.slice(1).map(Number);
  return version !== undefined && ((version[0] ?? 0) > 2 || ((version[0] ?? 0) === 2 && (version[1] ?? 0) >= 43));
}

/** The job entries of a generated scrape file (its scrape_configs list). */
export async function scrapeJobs(file: string): Promise<Record<string, unknown>[]> {
  return (parse(await readFile(file, "utf8")) as { scrape_configs: Record<string, unknown>[] }).scrape_configs;
}

/** prometheus.yml with the generated jobs pasted under scrape_configs, as the README says. */
export function pastedConfig(jobs: Record<string, unknown>[], extra: Record<string, unknown> = {}): string {
  return toYaml({ global: { scrape_interval: "15s", evaluation_interval: "15s" }, ...extra, scrape_configs: jobs });
}

/** argv run with dir mounted at /etc/prometheus, in a private mount namespace (nothing seen outside it). */
export function withEtcPrometheus(dir: string, argv: readonly string[]): string[] {
  const script = 'mount --bind "$1" /etc/prometheus && shift && exec "$@"';
  return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "etc-prometheus", dir, ...argv];
}

export interface RunningPrometheus {
  child: ChildProcess;
  /** A PromQL instant query through the HTTP API, from inside the namespace. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
}

/**
 * A Prometheus server in host's namespace on 127.0.0.1:9090 there, storage in dataDir, config from
 * configFile (run with etcDir at /etc/prometheus when given). destroy() of the network ends it by PID.
 */
export async function startPrometheus(network: TestNetwork, host: string, configFile: string, dataDir: string, logFile: string, etcDir?: string): Promise<RunningPrometheus> {
  await mkdir(dataDir, { recursive: true });
  const argv = ["prometheus", `--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, "--web.listen-address=127.0.0.1:9090"];
  const child = network.spawn(host, etcDir === undefined ? argv : withEtcPrometheus(etcDir, argv), { logFile });
  const query = async (expr: string) => {
    const url = `http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(expr)}`;
    const result = await network.run(host, ["curl", "-sS", "--max-time", "5", url], { timeoutMs: 10_000 });
    if (result.code !== 0) throw new Error(`curl ${url}: ${result.stderr}`);
    const body = JSON.parse(result.stdout) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== "success") throw new Error(`query ${expr}: ${result.stdout}`);
    return body.data.result;
  };
  await waitUntil(async () => (await query("vector(1)")).length === 1, {
    timeoutMs: 30_000,
    description: "Prometheus answering on its HTTP API",
    giveUpIf: () => (child.exitCode !== null ? `prometheus exited with ${child.exitCode}` : undefined),
  });
  return { child, query };
}

export async function writeConfig(dir: string, name: string, text: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}
