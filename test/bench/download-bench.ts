// How fast the release fetcher moves a big file compared with curl: a ~200 MiB file served from
// disk by a 127.0.0.1 server, whole-transfer wall time, median of 5 runs each. Our fetcher runs
// cold every time (a fresh cache) and with expectedSha256, so it hashes and verifies as it would
// for a real release. Run: node dist/test/bench/download-bench.js

import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { randomBytes } from "node:crypto";
import { mkdir, open, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { releaseArtifact } from "../../src/etcd/release.js";
import { fetchRelease, type ReleaseRequest } from "../../src/release/fetch-release.js";
import { sha256OfFile } from "../../src/release/hash.js";
import { etcdVersion } from "../release/fake-release.js";
import { tempDir } from "../support.js";
import { median, progress, runsList, seconds, timed } from "./measure.js";
import { renderTable } from "./table.js";

export interface BenchRow {
  tool: "etcdboot" | "curl";
  /** Wall time of each run, in seconds. */
  runsSeconds: number[];
  medianSeconds: number;
  mibPerSecond: number;
}

const MiB = 1024 * 1024;
const FILE_MIB = 200;
const RUNS = 5;

export async function runDownloadBench(): Promise<{ rows: BenchRow[]; ratio: number; table: string }> {
  const workDir = await tempDir("download-bench");
  try {
    const request = await writeBigRelease(join(workDir, "mirror"));
    const server = await startServerProcess(join(workDir, "mirror"));
    try {
      request.downloadUrl = server.baseUrl;
      const url = releaseArtifact(server.baseUrl, request.version, request.arch).tarballUrl;
      const ours: number[] = [];
      const curl: number[] = [];
      // Alternating, so that a slower moment of the machine does not fall on one tool only. Run 0
      // warms up (JIT, page cache) and is not counted.
      for (let run = 0; run <= RUNS; run++) {
        progress(`download: run ${run} of ${RUNS} (run 0 warms up)`);
        const cacheDir = join(workDir, `cache-${run}`);
        const curlFile = join(workDir, `curl-${run}`);
        const oursSeconds = await timed(() => fetchCold(request, cacheDir));
        const curlSeconds = await timed(() => curlDownload(url, curlFile));
        await rm(cacheDir, { recursive: true, force: true });
        await rm(curlFile, { force: true });
        if (run === 0) continue;
        ours.push(oursSeconds);
        curl.push(curlSeconds);
      }
      const rows = [row("etcdboot", ours), row("curl", curl)];
      const ratio = rows[0]!.medianSeconds / rows[1]!.medianSeconds;
      return { rows, ratio, table: renderDownloadTable(rows, ratio) };
    } finally {
      server.stop();
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** An upstream-layout release whose amd64 "tarball" is FILE_MIB of random bytes. */
async function writeBigRelease(rootDir: string): Promise<ReleaseRequest> {
  const version = etcdVersion("3.6.14");
  const { name } = releaseArtifact("", version, "amd64");
  const versionDir = join(rootDir, `v${version.text}`);
  await mkdir(versionDir, { recursive: true });
  const tarballPath = join(versionDir, `${name}.tar.gz`);
  const file = await open(tarballPath, "w");
  try {
    for (let i = 0; i < FILE_MIB; i++) await file.write(randomBytes(MiB));
  } finally {
    await file.close();
  }
  const sha256 = await sha256OfFile(tarballPath);
  await writeFile(join(versionDir, "SHA256SUMS"), `${sha256}  ${name}.tar.gz\n`);
  return { downloadUrl: "", version, arch: "amd64", expectedSha256: sha256 };
}

/** folder-server-process.js serving folder; stop() ends it. */
async function startServerProcess(folder: string): Promise<{ baseUrl: string; stop(): void }> {
  const script = new URL("folder-server-process.js", import.meta.url);
  const child = spawn(process.execPath, [script.pathname, folder], { stdio: ["ignore", "pipe", "inherit"] });
  const [firstLine] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
  return { baseUrl: firstLine, stop: () => void child.kill("SIGTERM") };
}

async function fetchCold(request: ReleaseRequest, cacheDir: string): Promise<void> {
  const fetched = await fetchRelease(request, { cacheDir });
  if (fetched.fromCache) throw new Error("benchmark: expected a download, got a cache hit");
}

function curlDownload(url: string, outFile: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn("curl", ["-s", "-o", outFile, url], { stdio: "ignore" });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`curl exited with ${code}`))));
  });
}

function row(tool: BenchRow["tool"], runsSeconds: number[]): BenchRow {
  const medianSeconds = median(runsSeconds);
  return { tool, runsSeconds, medianSeconds, mibPerSecond: FILE_MIB / medianSeconds };
}

function renderDownloadTable(rows: BenchRow[], ratio: number): string {
  const table = renderTable(
    ["tool", "median s", "MiB/s", "runs (s)"],
    rows.map((r) => [r.tool, seconds(r.medianSeconds), r.mibPerSecond.toFixed(1), runsList(r.runsSeconds)]),
  );
  return [
    `download of a ${FILE_MIB} MiB file from 127.0.0.1 (server in its own process), median of ${RUNS} runs after a warm-up`,
    table,
    `ratio ours/curl (time): ${ratio.toFixed(2)}`,
  ].join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { table } = await runDownloadBench();
  console.log(table);
}
