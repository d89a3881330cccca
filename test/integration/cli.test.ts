// The CLI as a user meets it: exit codes, what is written and what is not.

import assert from "node:assert/strict";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { REPO, runCli, tempDir } from "../support.js";

const EXAMPLE = join(REPO, "profiles", "examples", "three-vms.yaml");

const run = runCli;

async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const path of await listTree(dir)) files.set(path, await readFile(join(dir, path), "utf8"));
  return files;
}

describe("etcdboot build", () => {
  test("writes every host's cloud-init files, the CA certificate and no private key but each host's own", async () => {
    const dir = await tempDir("cli");
    const out = join(dir, "output");
    const pki = join(dir, "pki");
    const result = await run(["build", EXAMPLE, "--out", out, "--pki", pki]);
    assert.equal(result.code, 0, result.err);
    assert.deepEqual(await listTree(join(out, "lab")), [
      "ca.crt",
      "crl.der",
      "crl.pem",
      "etcdctl.env",
      "etcdctl.env.ps1",
      "hosts/etcd-1/member.crt",
      "hosts/etcd-1/meta-data",
      "hosts/etcd-1/network-config",
      "hosts/etcd-1/seed.iso",
      "hosts/etcd-1/user-data",
      "hosts/etcd-2/member.crt",
      "hosts/etcd-2/meta-data",
      "hosts/etcd-2/network-config",
      "hosts/etcd-2/seed.iso",
      "hosts/etcd-2/user-data",
      "hosts/etcd-3/member.crt",
      "hosts/etcd-3/meta-data",
      "hosts/etcd-3/network-config",
      "hosts/etcd-3/seed.iso",
      "hosts/etcd-3/user-data",
      "manifest.json",
      "prometheus/README.md",
      "prometheus/etcd-alerts.yml",
      "prometheus/file-sd-job.yml",
      "prometheus/scrape-job.yml",
      "prometheus/targets.json",
    ]);
    const output = await snapshot(join(out, "lab"));
    const allOutput = [...output.values()].join("\n");
    const caKey = await readFile(join(pki, "lab", "ca.key"), "utf8");
    assert.ok(!allOutput.includes(caKey.trim()), "the CA key must never be in the output");
    for (const host of ["etcd-1", "etcd-2", "etcd-3"]) {
      const ownKey = (await readFile(join(pki, "lab", "hosts", `${host}.key`), "utf8")).trim();
      for (const [path, content] of output)
        assert.equal(content.includes(ownKey.split("\n")[1] ?? "-"), [`hosts/${host}/user-data`, `hosts/${host}/seed.iso`].includes(path), `${host}'s key in ${path}?`);
    }
    assert.equal((await stat(join(pki, "lab", "ca.key"))).mode & 0o777, 0o600);
    assert.match(result.out, /etcd-1: user-data \d+\.\d KiB$/m, "sizes as people read them");
    for (const path of ["etcd-1", "etcd-2", "etcd-3"].map((host) => join(out, "lab", "hosts", host, "user-data")))
      assert.ok((await stat(path)).size <= 16 * 1024, `${path} fits EC2's 16 KiB`);
  });

  test("a rebuild of the same spec with the same PKI changes no byte and writes nothing", async () => {
    const dir = await tempDir("cli");
    const args = ["build", EXAMPLE, "--out", join(dir, "output"), "--pki", join(dir, "pki")];
    assert.equal((await run(args)).code, 0);
    const first = await snapshot(dir);
    const mtimes = await Promise.all([...first.keys()].map(async (p) => (await stat(join(dir, p))).mtimeMs));
    const second = await run([...args]);
    assert.equal(second.code, 0);
    assert.match(second.out, /is up to date/);
    assert.doesNotMatch(second.out, /issued/);
    assert.deepEqual(await snapshot(dir), first);
    assert.deepEqual(await Promise.all([...first.keys()].map(async (p) => (await stat(join(dir, p))).mtimeMs)), mtimes);
  });

  test("changing one host's address re-issues only its certificate and keeps the CA", async () => {
    const dir = await tempDir("cli");
    const spec = join(dir, "cluster.yaml");
    const text = await readFile(EXAMPLE, "utf8");
    await writeFile(spec, text);
    const args = ["build", spec, "--out", join(dir, "output"), "--pki", join(dir, "pki")];
    assert.equal((await run(args)).code, 0);
    const before = await snapshot(join(dir, "pki"));
    await writeFile(spec, text.replace("192.168.2.53", "192.168.2.63"));
    const result = await run(args);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /issued host certificate etcd-3 \(names changed\)/);
    assert.doesNotMatch(result.out, /created CA|issued host certificate etcd-[12]|issued client/);
    const after = await snapshot(join(dir, "pki"));
    for (const [path, content] of before)
      if (!["lab/hosts/etcd-3.crt", "lab/state.json", "lab/crl.pem"].includes(path) && !path.startsWith(".build-stamps/"))
        assert.equal(after.get(path), content, `${path} must be unchanged`);
    assert.notEqual(after.get("lab/hosts/etcd-3.crt"), before.get("lab/hosts/etcd-3.crt"));
    assert.notEqual(after.get("lab/crl.pem"), before.get("lab/crl.pem"), "the CRL now lists etcd-3's old certificate");
  });

  test("an invalid spec exits 2, names file, line and field, and writes nothing", async () => {
    const dir = await tempDir("cli");
    const spec = join(dir, "cluster.yaml");
    await writeFile(spec, (await readFile(EXAMPLE, "utf8")).replace("address: 192.168.2.52", "address: 192.168.2.5x"));
    const result = await run(["build", spec, "--out", join(dir, "output"), "--pki", join(dir, "pki")]);
    assert.equal(result.code, 2);
    assert.match(result.err, /cluster\.yaml:20:29: error: hosts\[1\]\.address: "192\.168\.2\.5x" is not an IP address/);
    assert.deepEqual(await listTree(dir), ["cluster.yaml"]);
  });

  test("--check validates without writing anything", async () => {
    const dir = await tempDir("cli");
    const result = await run(["build", EXAMPLE, "--check", "--out", join(dir, "output"), "--pki", join(dir, "pki")]);
    assert.equal(result.code, 0);
    assert.match(result.out, /valid \(3 hosts\)/);
    assert.deepEqual(await listTree(dir), []);
  });

  test("refuses to replace an output folder it did not write", async () => {
    const dir = await tempDir("cli");
    const foreign = join(dir, "output", "lab");
    await mkdir(foreign, { recursive: true });
    await writeFile(join(foreign, "precious.txt"), "keep me");
    const refused = await run(["build", EXAMPLE, "--out", join(dir, "output"), "--pki", join(dir, "pki")]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /was not written by etcdboot/);
    assert.deepEqual(await listTree(dir), ["output/lab/precious.txt"], "nothing written, not even the PKI");
  });

  test("a missing spec file is a usage error that says how to start one", async () => {
    const result = await run(["build", "/nonexistent/cluster.yaml"]);
    assert.equal(result.code, 2);
    assert.match(result.err, /cannot read spec \/nonexistent\/cluster\.yaml: no such file \(etcdboot init writes a starter spec\)/);
  });
});

describe("etcdboot init, help and usage", () => {
  test("init writes a valid starter spec and refuses to overwrite it", async () => {
    const dir = await tempDir("init");
    const file = join(dir, "cluster.yaml");
    assert.equal((await run(["init", file])).code, 0);
    const written = await readFile(file, "utf8");
    assert.match(written, /^# yaml-language-server: \$schema=file:\/\/\S+\/schema\/etcdboot-v1alpha1\.json\n# etcdboot cluster spec/);
    assert.equal((await run(["build", file, "--check"])).code, 0);
    await writeFile(file, "mine");
    const again = await run(["init", file]);
    assert.equal(again.code, 1);
    assert.match(again.err, /already exists: not overwriting/);
    assert.equal(await readFile(file, "utf8"), "mine");
  });

  test("--help works on every command", async () => {
    for (const argv of [["--help"], ["build", "--help"], ["init", "-h"]]) {
      const result = await run(argv);
      assert.equal(result.code, 0);
      assert.match(result.out, /Usage: etcdboot/);
    }
  });

  test("unknown commands and options exit 2", async () => {
    assert.equal((await run(["deploy"])).code, 2);
    const bad = await run(["build", "--frobnicate"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /frobnicate/);
  });
});
