// An unchanged rebuild skips the pipeline (src/ops/up-to-date.ts); any change to what a build
// reads or writes, or the clock reaching a renewal, makes it a full build again.

import assert from "node:assert/strict";
import { chmod, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { existsSync } from "node:fs";
import { main } from "../../src/cli/main.js";
import { dependencyManifests } from "../../src/ops/up-to-date.js";
import { fileIdentities, FIXED_NOW, REPO, runCli, tempDir } from "../support.js";

const EXAMPLE = join(REPO, "profiles", "examples", "three-vms.yaml");
const DAY_MS = 24 * 60 * 60 * 1000;

async function builtCluster() {
  const dir = await tempDir("up-to-date");
  const spec = join(dir, "cluster.yaml");
  await writeFile(spec, await readFile(EXAMPLE, "utf8"));
  const args = ["build", spec, "--out", join(dir, "output"), "--pki", join(dir, "pki")];
  const first = await runCli(args);
  assert.equal(first.code, 0, first.err);
  return { dir, spec, args, first, hostFile: join(dir, "output", "lab", "hosts", "etcd-2", "user-data") };
}

async function runAt(args: string[], now: Date) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t), now: () => now });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("up-to-date builds", () => {
  test("nothing changed: the same report, the same warnings, no file touched (the stamp included: the pipeline did not run)", async () => {
    const { dir, args, first } = await builtCluster();
    const before = await fileIdentities(dir);
    const again = await runCli(args);
    assert.equal(again.code, 0, again.err);
    assert.deepEqual(await fileIdentities(dir), before);
    const hostLines = (text: string) => text.split("\n").filter((line) => /^etcd-\d: user-data \d+\.\d KiB$/.test(line));
    assert.deepEqual(hostLines(again.out), hostLines(first.out));
    assert.equal(hostLines(again.out).length, 3);
    assert.match(again.out, /is up to date$/);
    assert.equal(again.err, first.err, "the warnings are repeated");
  });

  test("an output file edited or deleted: the full build puts it back", async () => {
    const { args, hostFile } = await builtCluster();
    const original = await readFile(hostFile, "utf8");
    await writeFile(hostFile, original.replace("etcd-2", "etcd-X"));
    assert.equal((await runCli(args)).code, 0);
    assert.equal(await readFile(hostFile, "utf8"), original);
    await rm(hostFile);
    assert.equal((await runCli(args)).code, 0);
    assert.equal(await readFile(hostFile, "utf8"), original);
  });

  test("a PKI file removed: the full build issues it again", async () => {
    const { dir, args } = await builtCluster();
    await rm(join(dir, "pki", "lab", "hosts", "etcd-2.crt"));
    const result = await runCli(args);
    assert.match(result.out, /issued host certificate etcd-2 \(new\)/);
  });

  test("a PKI key opened to others (same bytes, another mode): the full build makes it private again and says so", async () => {
    const { dir, args } = await builtCluster();
    const key = join(dir, "pki", "lab", "ca.key");
    await chmod(key, 0o644);
    const result = await runCli(args);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, new RegExp(`${key} was open to other users \\(mode 0644\\): made private \\(0600\\)`));
    assert.equal((await stat(key)).mode & 0o777, 0o600);
  });

  test("the spec edited: the full build follows it", async () => {
    const { spec, args, hostFile } = await builtCluster();
    await writeFile(spec, (await readFile(spec, "utf8")).replace("192.168.2.52", "192.168.2.62"));
    const result = await runCli(args);
    assert.match(result.out, /issued host certificate etcd-2 \(names changed\)/);
    assert.match(await readFile(hostFile, "utf8"), /192\.168\.2\.62/);
  });

  test("a lock file appears beside the spec: the full build pins to it", async () => {
    const { spec, args, first } = await builtCluster();
    assert.match(first.err, /not pinned/);
    const url = "https://github.com/etcd-io/etcd/releases/download/v3.6.14/etcd-v3.6.14-linux-amd64.tar.gz";
    const lock = { lockVersion: 1, releases: [{ version: "3.6.14", arch: "amd64", url, sha256: "a".repeat(64) }] };
    await writeFile(spec.replace(/\.yaml$/, ".lock.json"), JSON.stringify(lock));
    const result = await runCli(args);
    assert.equal(result.code, 0, result.err);
    assert.doesNotMatch(result.err, /not pinned/);
  });

  test("the clock reaches a certificate's renewal window: the full build renews", async () => {
    const { args } = await builtCluster();
    // three-vms.yaml: 3650-day certificates, renewed in their last 30 days.
    const late = new Date(FIXED_NOW.getTime() + 3621 * DAY_MS);
    const result = await runAt(args, late);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /issued host certificate etcd-1 \(expires soon\)/);
  });

  test("a damaged stamp only costs a full build", async () => {
    const { dir, args } = await builtCluster();
    const stamps = join(dir, "pki", ".build-stamps");
    for (const name of await readdir(stamps)) await writeFile(join(stamps, name), "{not json");
    const result = await runCli(args);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /is up to date$/);
    assert.deepEqual(JSON.parse(await readFile(join(stamps, (await readdir(stamps))[0] ?? ""), "utf8")).stampVersion, 2);
  });

  test("the stamp covers each runtime dependency's package.json, found where Node finds it", async () => {
    const manifests = dependencyManifests();
    const { dependencies } = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    assert.deepEqual(manifests.map((path) => path.split("/node_modules/")[1]).sort(), Object.keys(dependencies).map((name) => `${name}/package.json`).sort());
    for (const path of manifests) assert.ok(existsSync(path), path);
  });
});
