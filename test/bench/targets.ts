// The targets, judged on this run's figures: met, or missed with why (the measured
// reason) and what would close the gap.

import type { KeyAlgorithm } from "../../src/pki/types.js";
import { benchHosts, CLUSTER, movedHost } from "./bench-cluster.js";
import type { CertificateResult } from "./certificates-bench.js";
import { median, ratio, seconds } from "./measure.js";
import type { ProcessUsage } from "./memory-bench.js";
import type { OverlayResult } from "./overlay-bench.js";
import { topAreas, type BuildProfile } from "./profile-bench.js";

export interface Verdict {
  target: string;
  measured: string;
  met: boolean;
  why?: string;
  close?: string;
}

export interface BenchFigures {
  certificates: CertificateResult[];
  overlay: OverlayResult;
  usages: ProcessUsage[];
  profiles: BuildProfile[];
}

function find(figures: BenchFigures, algorithm: KeyAlgorithm, hosts: number): CertificateResult {
  const found = figures.certificates.find((r) => r.case.algorithm === algorithm && r.case.hosts === hosts);
  if (!found) throw new Error(`no benchmark of ${algorithm} × ${hosts}`);
  return found;
}

const profile = (figures: BenchFigures, label: string) => figures.profiles.find((p) => p.label === label);

export function judge(figures: BenchFigures): Verdict[] {
  return [coldHundred(figures), coldThousandVsCfssl(figures), coldThousand(figures), rebuilds(figures), rsaHundred(figures), overlay(figures)];
}

/** A cold full build against cfssl making only the certificates, in the same run: met when ours/cfssl passes `within`. */
function againstCfssl(
  figures: BenchFigures,
  [algorithm, hosts]: [KeyAlgorithm, number],
  target: string,
  within: (ratio: number) => boolean,
  missed: (cfssl: number) => { why: string; close: string },
): Verdict {
  const r = find(figures, algorithm, hosts);
  const [ours, cfssl] = [median(r.etcdboot), median(r.cfssl)];
  const met = within(ours / cfssl);
  return { target, measured: `${seconds(ours)} s vs cfssl ${seconds(cfssl)} s = ${ratio(ours / cfssl)}`, met, ...(met ? {} : missed(cfssl)) };
}

function coldHundred(figures: BenchFigures): Verdict {
  return againstCfssl(figures, ["ecdsa-p256", 100], "Cold full build of 100 ECDSA hosts ≤ 0.8× cfssl making only their certificates", (r) => r <= 0.8, (cfssl) => ({
    why: `cfssl needs ~${((cfssl / 101) * 1000).toFixed(0)} ms per certificate; one whole build is dominated by fixed costs: ${topAreas(profile(figures, "cold, 100 hosts"), 5)}`,
    close: "load fewer modules at start (zod alone takes ~90 ms to load; the spec check could load it only when a spec has errors to explain)",
  }));
}

function coldThousandVsCfssl(figures: BenchFigures): Verdict {
  return againstCfssl(figures, ["ecdsa-p256", 1000], "Cold full build of 1000 ECDSA hosts ≤ 0.6× cfssl making only their certificates", (r) => r <= 0.6, () => ({
    why: `the build's time goes to ${topAreas(profile(figures, "cold, 1000 hosts"), 6)}`,
    close: "encode the certificates on worker threads (each encoding is independent of the others)",
  }));
}

function coldThousand(figures: BenchFigures): Verdict {
  const ours = median(find(figures, "ecdsa-p256", 1000).etcdboot);
  const cold = figures.usages.find((u) => u.label.startsWith("cold"));
  const cores = cold ? cold.cpuSeconds / cold.wallSeconds : 0;
  const met = ours <= 5 && cores >= 1.2;
  return {
    target: "Cold full build of 1000 ECDSA hosts ≤ 5 s, using both cores",
    measured: `${seconds(ours)} s; ${cores.toFixed(2)} cores used (CPU/wall, section 4)`,
    met,
    ...(met
      ? {}
      : {
          why:
            `keys and signatures run on libuv's pool (both cores), but the rest runs on the main thread: ` +
            `${topAreas(profile(figures, "cold, 1000 hosts"), 6)}`,
          close: "spread the per-host planning and encoding (src/plan, src/encoders) over worker threads",
        }),
  };
}

function rebuilds(figures: BenchFigures): Verdict {
  const r = find(figures, "ecdsa-p256", 100);
  const warm = median(r.rebuilds?.warm ?? [Infinity]);
  const warmWrote = r.rebuilds?.warmWrote ?? ["(no rebuilds measured)"];
  const warmFull = median(r.rebuilds?.warmFull ?? [Infinity]);
  const warmFullWrote = r.rebuilds?.warmFullWrote ?? ["(no rebuilds measured)"];
  const moved = movedHost(benchHosts(100)).name;
  // Renumbering re-issues the host's certificate and so retires the old one: the CRL changes, and
  // every host carries it (in user-data, hence meta-data's instance-id and the seed image too).
  const carriesCrl = (path: string) => new RegExp(`^out/${CLUSTER}/hosts/[^/]+/(user-data|meta-data|seed\\.iso)$`).test(path);
  const allowed = (path: string) =>
    path.startsWith(`out/${CLUSTER}/hosts/${moved}/`) ||
    path.startsWith("pki/.build-stamps/") ||
    carriesCrl(path) ||
    [
      `pki/${CLUSTER}/hosts/${moved}.crt`,
      `pki/${CLUSTER}/crl.pem`,
      `out/${CLUSTER}/crl.der`,
      `out/${CLUSTER}/crl.pem`,
      `out/${CLUSTER}/manifest.json`,
      `out/${CLUSTER}/etcdctl.env`,
      `out/${CLUSTER}/etcdctl.env.ps1`,
      `out/${CLUSTER}/prometheus/scrape-job.yml`,
      `out/${CLUSTER}/prometheus/file-sd-job.yml`,
      `out/${CLUSTER}/prometheus/targets.json`,
      `pki/${CLUSTER}/state.json`,
    ].includes(path);
  const changedWrote = r.rebuilds?.changedWrote ?? [];
  const strays = changedWrote.filter((path) => !allowed(path));
  const met = warm <= 0.4 && warmWrote.length === 0 && warmFullWrote.length === 0 && strays.length === 0;
  const problems = [
    warm > 0.4 ? `the warm build takes ${seconds(warm)} s; its time goes to ${topAreas(profile(figures, "warm, 100 hosts"), 6)}` : "",
    warmWrote.length > 0 ? `the warm build wrote ${warmWrote.join(", ")}` : "",
    warmFullWrote.length > 0 ? `the warm build without its stamp wrote ${warmFullWrote.join(", ")}` : "",
    strays.length > 0 ? `the one-host change also wrote ${strays.join(", ")}` : "",
  ].filter(Boolean);
  return {
    target:
      "Warm rebuild of 100 hosts ≤ 0.4 s, writing no file; one host changed rewrites only that host's files " +
      "(and, as its old certificate is retired, the CRL, which every host's user-data carries)",
    measured:
      `warm ${seconds(warm)} s, ${warmWrote.length} files written (without its stamp, through the whole pipeline: ` +
      `${seconds(warmFull)} s, ${warmFullWrote.length} files written); one host changed: ${changedWrote.length} files written ` +
      `(${moved}'s files, its certificate, the CRL and every host's user-data, meta-data and seed.iso that carry it, ` +
      `etcdctl.env and the Prometheus targets (they list its address), manifest.json, state.json, the build stamp)`,
    met,
    ...(met
      ? {}
      : {
          why: problems.join("; "),
          close:
            "the up-to-date check (src/ops/up-to-date.ts) reads and hashes every output and PKI file: compare sizes, " +
            "inodes and mtimes first and hash only the files changed since the stamp",
        }),
  };
}

function rsaHundred(figures: BenchFigures): Verdict {
  return againstCfssl(figures, ["rsa-2048", 100], "RSA-2048 at 100 hosts faster than cfssl (parallel key generation)", (r) => r < 1, () => ({
    why: "RSA key generation is CPU-bound: OpenSSL 3 spends ~200 ms of CPU per 2048-bit key here, Go ~145 ms; both cores are already busy",
    close: "only more cores (the keys are generated on libuv's pool, one per thread)",
  }));
}

function overlay(figures: BenchFigures): Verdict {
  const [ours, tar] = [median(figures.overlay.etcdboot), median(figures.overlay.tarCzf)];
  const met = ours <= tar;
  return {
    target: "Overlay with bundled etcd ≤ 1.0× tar czf",
    measured: `${seconds(ours)} s vs tar czf ${seconds(tar)} s = ${ratio(ours / tar)}`,
    met,
    ...(met
      ? {}
      : {
          why: "each build unpacks the cached release tarball again (one gunzip stream) before compressing the overlay on both cores",
          close: "keep the unpacked binaries in the cache beside the verified tarball (src/release/extract.ts)",
        }),
  };
}

export function renderVerdicts(verdicts: Verdict[]): string {
  const sentence = (text: string | undefined) => `${(text ?? "").replace(/\.$/, "")}.`;
  return verdicts
    .map((v) => {
      const head = `- ${v.met ? "MET" : "MISSED"}: ${sentence(v.target)} Measured: ${sentence(v.measured)}`;
      return v.met ? head : `${head}\n  Why: ${sentence(v.why)}\n  What would close it: ${sentence(v.close)}`;
    })
    .join("\n");
}
