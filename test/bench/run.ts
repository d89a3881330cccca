// `npm run bench`: every benchmark, printed side by side with its peer tool and written to
// BENCHMARKS.md with a description of the machine it ran on.

import { writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { REPO } from "../support.js";
import { runDownloadBench } from "./download-bench.js";

function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

const sections: [string, string][] = [];
const download = await runDownloadBench();
sections.push(["Release download from a 127.0.0.1 server (200 MiB, median of 5): etcdboot's fetcher (download + SHA-256 + cache) vs curl", download.table]);

const report = [`# Benchmarks`, "", `Machine: ${machine()}`, "", ...sections.flatMap(([title, table]) => [`## ${title}`, "", "```", table.trimEnd(), "```", ""])].join("\n");
process.stdout.write(`${report}\n`);
await writeFile(join(REPO, "BENCHMARKS.md"), report);
