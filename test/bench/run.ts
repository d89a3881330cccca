// `npm run bench`: every benchmark, each figure measured in the same run as its peer, printed and
// written to BENCHMARKS.md with a description of the machine and a verdict per target. Progress
// goes to stderr. Needs cfssl + cfssljson (Debian: golang-cfssl), openssl, tar, curl and etcd.

import { rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { findCommand } from "../harness/exec.js";
import { REPO, tempDir } from "../support.js";
import { renderCertificatesTable, renderFullBuildTable, runCertificatesBench } from "./certificates-bench.js";
import { runDownloadBench } from "./download-bench.js";
import { progress } from "./measure.js";
import { renderMemoryTable, runMemoryBench } from "./memory-bench.js";
import { renderOverlayTable, runOverlayBench } from "./overlay-bench.js";
import { renderProfileTable, runProfileBench } from "./profile-bench.js";
import { judge, renderVerdicts } from "./targets.js";

const REQUIRED_COMMANDS = ["cfssl", "cfssljson", "openssl", "tar", "curl", "etcd"];

function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

const missing = REQUIRED_COMMANDS.filter((command) => findCommand(command) === undefined);
if (missing.length > 0) throw new Error(`the benchmarks need ${missing.join(", ")} (Debian: apt-get install golang-cfssl openssl tar curl etcd-server)`);

const loadBefore = load();
const workDir = await tempDir("bench");
try {
  const certificates = await runCertificatesBench(workDir);
  const overlay = await runOverlayBench(workDir);
  const usages = await runMemoryBench(workDir);
  const profiles = await runProfileBench(workDir);
  progress("download benchmark");
  const download = await runDownloadBench();
  const verdicts = judge({ certificates, overlay, usages, profiles });

  const sections: [string, string][] = [
    ["1. Certificates: etcdboot (full build) vs cfssl vs openssl", renderCertificatesTable(certificates)],
    ["2. Full build: cold, warm, one host changed", renderFullBuildTable(certificates)],
    ["3. Alpine overlay with etcd bundled vs tar czf", renderOverlayTable(overlay)],
    ["4. Peak memory and CPU of the full build at 1000 hosts", renderMemoryTable(usages)],
    ["5. Where a build's time goes (CPU profile)", renderProfileTable(profiles)],
    ["6. Release download from a 127.0.0.1 server (200 MiB, median of 5): etcdboot's fetcher (download + SHA-256 + cache) vs curl", download.table],
  ];
  const report = [
    "# Benchmarks",
    "",
    `Machine: ${machine()}. Load average (1, 5, 15 min) before: ${loadBefore}; after: ${load()}.`,
    "Every figure is a whole-process wall time unless stated otherwise, measured in this run beside its peer.",
    "Absolute seconds differ between machines (and with the load on this one): only the ratios between tools measured in the same run are comparable.",
    "",
    "## Targets",
    "",
    renderVerdicts(verdicts),
    "",
    ...sections.flatMap(([title, table]) => [`## ${title}`, "", "```", table.trimEnd(), "```", ""]),
  ].join("\n");
  process.stdout.write(`${report}\n`);
  await writeFile(join(REPO, "BENCHMARKS.md"), report);
} finally {
  await rm(workDir, { recursive: true, force: true });
}
