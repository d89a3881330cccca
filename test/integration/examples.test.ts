// profiles/examples/ has a spec for every common use, and each one works: it validates against
// the generated JSON Schema (python3-jsonschema, as an editor or a CI job would check it), it
// builds, and cloud-init accepts every user-data and network-config it produces. A set of
// invalid specs shows the schema can say no, and that etcdboot refuses each of them too (the
// schema may be looser than etcdboot, never stricter).

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { SCHEMA_FILE_NAME } from "../../src/spec/json-schema.js";
import { assembleSpec } from "../../src/spec/load-spec.js";
import { loadProfiles } from "../../src/spec/profiles.js";
import { serveFolder } from "../harness/http-server.js";
import { requirePrerequisites, SYSTEM_PYTHON } from "../harness/prerequisites.js";
import { REPO, runCli, tempDir } from "../support.js";
import { cloudInitSchema, validateNetworkConfig } from "./support/cloud-init.js";

const run = promisify(execFile);
const EXAMPLES_DIR = join(REPO, "profiles", "examples");
const EXAMPLES = (await readdir(EXAMPLES_DIR)).filter((name) => name.endsWith(".yaml")).sort();
const SCHEMA = join(REPO, "schema", SCHEMA_FILE_NAME);
const VALIDATOR = join(REPO, "test", "integration", "support", "validate-spec-schema.py");
const SCHEMA_CHECK = { commands: [SYSTEM_PYTHON], pythonModules: ["jsonschema", "yaml"] };

interface SchemaVerdict {
  file: string;
  valid: boolean;
  errors: string[];
}

async function schemaVerdicts(files: string[]): Promise<SchemaVerdict[]> {
  const { stdout } = await run(SYSTEM_PYTHON, [VALIDATOR, SCHEMA, ...files]);
  return stdout.trim().split("\n").map((line) => JSON.parse(line) as SchemaVerdict);
}

/**
 * A release folder in the upstream layout whose binaries are stand-in text for both archs: a build
 * that bundles etcd into Alpine overlays gets it from here, not from the internet.
 */
async function standInRelease(root: string, version: string): Promise<void> {
  const folder = join(root, `v${version}`);
  const sums: string[] = [];
  for (const arch of ["amd64", "arm64"]) {
    const name = `etcd-v${version}-linux-${arch}`;
    await mkdir(join(folder, "staging", name), { recursive: true });
    for (const binary of ["etcd", "etcdctl", "etcdutl"]) await writeFile(join(folder, "staging", name, binary), `#!/bin/sh\necho stand-in ${binary} ${arch}\n`, { mode: 0o755 });
    await run("tar", ["-C", join(folder, "staging"), "--owner=0", "--group=0", "-czf", join(folder, `${name}.tar.gz`), name]);
    sums.push(`${createHash("sha256").update(await readFile(join(folder, `${name}.tar.gz`))).digest("hex")}  ${name}.tar.gz`);
  }
  await writeFile(join(folder, "SHA256SUMS"), `${sums.join("\n")}\n`);
}

describe("examples for every use", () => {
  test("there is an example for each use the README names", () => {
    assert.deepEqual(EXAMPLES, ["dhcp.yaml", "ipv6.yaml", "mixed.yaml", "pi-cluster.yaml", "three-vms.yaml", "wan-5.yaml"]);
  });

  test("every example, the starter spec and the golden specs validate against the JSON Schema", async (t) => {
    if (!requirePrerequisites(t, SCHEMA_CHECK)) return;
    const golden = (await readdir(join(REPO, "test", "golden"))).map((name) => join(REPO, "test", "golden", name, "cluster.yaml"));
    const files = [...EXAMPLES.map((name) => join(EXAMPLES_DIR, name)), join(REPO, "profiles", "starter.yaml"), ...golden];
    const verdicts = await schemaVerdicts(files);
    assert.equal(verdicts.length, files.length);
    for (const verdict of verdicts) assert.ok(verdict.valid, `${verdict.file}: ${verdict.errors.join("; ")}`);
  });

  for (const name of EXAMPLES) {
    test(`${name} builds, and cloud-init accepts what it writes`, async (t) => {
      if (!requirePrerequisites(t, { commands: ["cloud-init", "tar", SYSTEM_PYTHON] })) return;
      const dir = await tempDir("example");
      t.after(() => rm(dir, { recursive: true, force: true }));
      const spec = parse(await readFile(join(EXAMPLES_DIR, name), "utf8")) as { cluster: { name: string }; etcd?: { version?: string; downloadUrl?: string }; hosts: Array<{ name: string }> };
      // The one change: releases come from a server on loopback, never from the internet.
      await standInRelease(join(dir, "releases"), spec.etcd?.version ?? "3.6.14");
      const server = await serveFolder(join(dir, "releases"));
      t.after(() => server.close());
      spec.etcd = { ...spec.etcd, downloadUrl: server.baseUrl };
      const specFile = join(dir, "cluster.yaml");
      await writeFile(specFile, stringify(spec));
      const out = join(dir, "out");
      const result = await runCli(["build", specFile, "--out", out, "--pki", join(dir, "pki"), "--cache-dir", join(dir, "cache"), "--quiet"]);
      assert.equal(result.code, 0, result.err);
      const networkConfigs: string[] = [];
      for (const host of spec.hosts) {
        const folder = join(out, spec.cluster.name, "hosts", host.name);
        const files = await readdir(folder);
        if (files.includes(`${host.name}.apkovl.tar.gz`)) continue;
        assert.ok(files.includes("user-data"), `${host.name} has user-data or an overlay: ${files.join(", ")}`);
        const schema = await cloudInitSchema(join(folder, "user-data"));
        assert.ok(schema.ok && /Valid cloud-config/.test(schema.output), `${host.name}/user-data: ${schema.output}`);
        if (files.includes("network-config")) networkConfigs.push(join(folder, "network-config"));
      }
      if (networkConfigs.length > 0) {
        const network = await validateNetworkConfig(networkConfigs);
        assert.ok(network.ok, network.output);
      }
    });
  }
});

const VALID = {
  apiVersion: "etcdboot/v1alpha1",
  cluster: { name: "lab" },
  hosts: [{ name: "etcd-1", address: "192.0.2.11" }],
};

/** Each breaks one rule the schema can express; etcdboot must refuse it as well. */
const INVALID: Record<string, unknown> = {
  "unknown top-level field": { ...VALID, extra: 1 },
  "unknown host field": { ...VALID, hosts: [{ ...VALID.hosts[0], adress: "192.0.2.12" }] },
  "wrong apiVersion": { ...VALID, apiVersion: "etcdboot/v1" },
  "no hosts": { apiVersion: VALID.apiVersion, cluster: VALID.cluster },
  "empty hosts": { ...VALID, hosts: [] },
  "host without address": { ...VALID, hosts: [{ name: "etcd-1" }] },
  "host name with capitals": { ...VALID, hosts: [{ name: "Etcd-1", address: "192.0.2.11" }] },
  "unknown target": { ...VALID, defaults: { target: "windows-11" } },
  "unknown tuning preset": { ...VALID, tuning: "turbo" },
  "tuning field misspelt": { ...VALID, tuning: { preset: "wan", heartbeatMs: 100 } },
  "port as text": { ...VALID, etcd: { clientPort: "2379" } },
  "port below 1024": { ...VALID, etcd: { peerPort: 80 } },
  "prefix above 128": { ...VALID, defaults: { network: { prefix: 129 } } },
  "storage with tmpfs false": { ...VALID, hosts: [{ ...VALID.hosts[0], storage: { tmpfs: false } }] },
  "sha256 not hex": { ...VALID, etcd: { sha256: { amd64: "xyz" } } },
  "unknown tls algorithm": { ...VALID, tls: { algorithm: "dsa" } },
  "clients not a list": { ...VALID, clients: "admin" },
};

describe("the JSON Schema rejects invalid specs, as etcdboot does", () => {
  test("the valid base is accepted by both", async (t) => {
    assert.ok(assembleSpec("base.yaml", JSON.stringify(VALID), await loadProfiles()).ok);
    if (!requirePrerequisites(t, SCHEMA_CHECK)) return;
    const dir = await tempDir("schema-valid");
    await writeFile(join(dir, "base.yaml"), JSON.stringify(VALID));
    assert.deepEqual((await schemaVerdicts([join(dir, "base.yaml")])).map((v) => v.valid), [true]);
  });

  test("each invalid spec is refused by the schema and by etcdboot", async (t) => {
    const profiles = await loadProfiles();
    for (const [why, spec] of Object.entries(INVALID)) assert.equal(assembleSpec(`${why}.yaml`, JSON.stringify(spec), profiles).ok, false, `etcdboot refuses: ${why}`);
    if (!requirePrerequisites(t, SCHEMA_CHECK)) return;
    const dir = await tempDir("schema-invalid");
    const files = await Promise.all(
      Object.entries(INVALID).map(async ([why, spec], i) => {
        const file = join(dir, `${i}.yaml`);
        await writeFile(file, JSON.stringify(spec));
        return { why, file };
      }),
    );
    const verdicts = await schemaVerdicts(files.map((f) => f.file));
    files.forEach(({ why }, i) => assert.equal(verdicts[i]?.valid, false, `the schema refuses: ${why}`));
  });
});
