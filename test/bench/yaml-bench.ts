// toYaml (our emitter) vs the yaml library's stringify, which it replaced, on a real user-data value:
// the one etcdboot writes for profiles/examples/three-vms.yaml (real certificates and keys), read
// back into a value. Standalone, not part of `npm run bench`:
//   npx tsc -p tsconfig.json && node dist/test/bench/yaml-bench.js

import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { main } from "../../src/cli/main.js";
import { toYaml } from "../../src/encoders/yaml.js";
import { FIXED_NOW, REPO, tempDir } from "../support.js";
import { median } from "./measure.js";

const ROUNDS = 1000;
const TRIALS = 7;

async function realUserData(): Promise<string> {
  const dir = await tempDir("yaml-bench");
  try {
    const spec = join(REPO, "profiles", "examples", "three-vms.yaml");
    const out = join(dir, "out"); // beside the PKI, never around it
    const code = await main(["build", spec, "--out", out, "--pki", join(dir, "pki"), "--quiet"], { out: () => {}, err: console.error, now: () => FIXED_NOW });
    if (code !== 0) throw new Error(`etcdboot build failed (${code})`);
    const [cluster] = await readdir(out);
    const hostsDir = join(out, cluster ?? "", "hosts");
    const [host] = await readdir(hostsDir);
    return await readFile(join(hostsDir, host ?? "", "user-data"), "utf8");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Milliseconds for ROUNDS encodings, median of TRIALS (after one warm-up trial). */
function time(encode: () => string): number {
  const trials: number[] = [];
  for (let trial = 0; trial <= TRIALS; trial++) {
    const start = performance.now();
    for (let i = 0; i < ROUNDS; i++) encode();
    if (trial > 0) trials.push(performance.now() - start);
  }
  return median(trials);
}

const text = await realUserData();
const value = parse(text, { version: "1.1" }) as unknown;
const old = () => stringify(value, { version: "1.1", lineWidth: 0 });
const ours = () => toYaml(value);
if (ours() !== old()) throw new Error("toYaml and the yaml library write this user-data differently");
const [oldMs, oursMs] = [time(old), time(ours)];
console.log(`user-data of ${Buffer.byteLength(text)} bytes, ×${ROUNDS}, median of ${TRIALS}:`);
console.log(`  yaml stringify  ${oldMs.toFixed(1)} ms  (${((oldMs * 1000) / ROUNDS).toFixed(1)} µs each)`);
console.log(`  toYaml          ${oursMs.toFixed(1)} ms  (${((oursMs * 1000) / ROUNDS).toFixed(1)} µs each)`);
console.log(`  ${(oldMs / oursMs).toFixed(1)}× faster`);
