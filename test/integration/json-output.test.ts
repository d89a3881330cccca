// --json of build, build --check and restore, from real builds: each parses, carries its kind
// and version, and has the keys the README documents. (pin: plan-kinds.test.ts; members:
// membership.test.ts; snapshot: backup.test.ts — where real clusters and mirrors run.)

import assert from "node:assert/strict";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { runCli, tempDir } from "../support.js";

async function scratch(t: TestContext, prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const SPEC = "apiVersion: etcdboot/v1alpha1\ncluster: {name: shapes}\nhosts:\n  - {name: a, address: 10.40.0.1}\n  - {name: b, address: 10.40.0.2}\n  - {name: c, address: 10.40.0.3}\n";

describe("--json shapes", () => {
  test("build --json: what was written, issued and warned; a second build says unchanged", async (t) => {
    const dir = await scratch(t, "json-build");
    const spec = join(dir, "cluster.yaml");
    await writeFile(spec, SPEC);
    const args = ["build", spec, "--out", join(dir, "output"), "--pki", join(dir, "pki"), "--json"];
    const first = await runCli(args);
    assert.equal(first.code, 0, first.err);
    assert.equal(first.err, "", "warnings are in the JSON, not on stderr");
    const report = JSON.parse(first.out) as Record<string, unknown> & { artifacts: { host: string; file: string; bytes: number; overEc2UserDataLimit: boolean }[]; issued: { kind: string; name: string }[]; warnings: string[] };
    assert.deepEqual(Object.keys(report), ["kind", "version", "spec", "outputDir", "pkiDir", "changed", "caCreated", "issued", "notes", "warnings", "artifacts"]);
    assert.deepEqual([report["kind"], report["version"], report["changed"], report["caCreated"]], ["build", 1, true, true]);
    assert.deepEqual(report.issued.map((i) => `${i.kind}:${i.name}`), ["host:a", "host:b", "host:c", "client:admin"]);
    assert.match(report.warnings.join("\n"), /is not pinned/);
    assert.deepEqual(report.artifacts.map((a) => `${a.host}/${a.file}`), ["a/seed.iso", "a/user-data", "b/seed.iso", "b/user-data", "c/seed.iso", "c/user-data"]);
    for (const artifact of report.artifacts) {
      const size = Buffer.byteLength(await readFile(join(dir, "output", "shapes", "hosts", artifact.host, artifact.file)));
      assert.deepEqual(artifact, { host: artifact.host, file: artifact.file, bytes: size, overEc2UserDataLimit: false });
    }
    const again = JSON.parse((await runCli(args)).out) as Record<string, unknown>;
    assert.deepEqual([again["kind"], again["changed"], again["caCreated"], again["issued"]], ["build", false, false, []]);
  });

  test("build --check --json: every problem with file, line, column, field, message and fix; exit 2 when invalid", async (t) => {
    const dir = await scratch(t, "json-check");
    const spec = join(dir, "cluster.yaml");
    await writeFile(spec, SPEC.replace("10.40.0.2", "10.40.0.256").replace("name: c", "name: c, colour: blue"));
    const bad = await runCli(["build", spec, "--check", "--json"]);
    assert.equal(bad.code, 2);
    const result = JSON.parse(bad.out) as { kind: string; version: number; valid: boolean; hosts: number | null; diagnostics: Record<string, unknown>[] };
    assert.deepEqual([result.kind, result.version, result.valid, result.hosts], ["check", 1, false, null]);
    const byField = new Map(result.diagnostics.map((d) => [d["field"], d]));
    const address = byField.get("hosts[1].address");
    assert.deepEqual(Object.keys(address ?? {}), ["severity", "file", "line", "column", "field", "message", "fix"]);
    assert.deepEqual([address?.["severity"], address?.["file"], address?.["line"], address?.["column"]], ["error", spec, 5, 24]);
    assert.match(String(address?.["message"]), /10\.40\.0\.256/);
    const unknown = [...byField.entries()].find(([field]) => String(field).startsWith("hosts[2]"))?.[1];
    assert.equal(unknown?.["line"], 6, JSON.stringify(result.diagnostics));
    assert.ok(result.diagnostics.every((d) => typeof d["message"] === "string" && (d["fix"] === null || typeof d["fix"] === "string")));
    assert.ok(result.diagnostics.some((d) => typeof d["fix"] === "string" && d["fix"] !== ""), "fixes are given where the message has one");

    await writeFile(spec, SPEC);
    const good = await runCli(["build", spec, "--check", "--json"]);
    assert.equal(good.code, 0, good.err);
    const valid = JSON.parse(good.out) as { valid: boolean; hosts: number; diagnostics: { severity: string; line: number | null; field: string; message: string; fix: string | null }[] };
    assert.deepEqual([valid.valid, valid.hosts], [true, 3]);
    assert.deepEqual(valid.diagnostics.map((d) => [d.severity, d.line, d.field]), [["warning", null, "etcd.version"]], "the unpinned release, which has no line");
    assert.match(valid.diagnostics[0]?.message ?? "", /is not pinned$/);
    assert.match(valid.diagnostics[0]?.fix ?? "", /run: etcdboot pin/);
    const strict = await runCli(["build", spec, "--check", "--json", "--strict"]);
    assert.equal(strict.code, 2, "--strict: a warning makes it invalid");
    assert.equal((JSON.parse(strict.out) as { valid: boolean }).valid, false);
  });

  test("restore --json: the token, the bundles and the steps", async (t) => {
    const dir = await scratch(t, "json-restore");
    const spec = join(dir, "cluster.yaml");
    await writeFile(spec, SPEC);
    const dirs = ["--out", join(dir, "output"), "--pki", join(dir, "pki")];
    assert.equal((await runCli(["build", spec, ...dirs])).code, 0);
    const snapshot = join(dir, "copied-db");
    await writeFile(snapshot, "a member's member/snap/db, copied");
    // --force: no member is asked whether it is healthy (their addresses are not on this machine).
    const restored = await runCli(["restore", snapshot, spec, ...dirs, "--skip-hash-check", "--force", "--json"]);
    assert.equal(restored.code, 0, restored.err);
    const result = JSON.parse(restored.out) as { kind: string; version: number; snapshot: string; sha256: string; token: string; outputDir: string; bundles: { host: string; folder: string }[]; steps: string[] };
    assert.deepEqual(Object.keys(result), ["kind", "version", "snapshot", "sha256", "token", "outputDir", "bundles", "steps"]);
    assert.deepEqual([result.kind, result.version, result.snapshot, result.outputDir], ["restore", 1, snapshot, join(dir, "output", "shapes")]);
    assert.match(result.sha256, /^[0-9a-f]{64}$/);
    assert.match(result.token, /^shapes-restore-/);
    assert.deepEqual(result.bundles, ["a", "b", "c"].map((host) => ({ host, folder: `hosts/${host}/restore` })));
    for (const host of ["a", "b", "c"]) assert.ok(result.steps.some((step) => step.includes(`hosts/${host}/restore`)), `a step for ${host}`);
  });
});
