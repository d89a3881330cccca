// Every command, given bad input (missing or damaged files, wrong options, folders where files
// belong), ends with a message that names the problem and the fix, a non-zero exit, and never
// the "internal error" report or a stack trace. The one command that tries to reach the cluster
// runs in a network namespace of the test's own, where the member's address has no route.

import assert from "node:assert/strict";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { createTestNetwork } from "../harness/netns.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { pemArmour, REPO, runCli, tempDir } from "../support.js";

interface BadInput {
  argv: string[];
  code: 1 | 2;
  says: RegExp;
}

/** Runs argv and checks the exit code, the message, and that nothing looks like a bug report. */
async function assertClearError({ argv, code, says }: BadInput): Promise<void> {
  const result = await runCli(argv);
  const printed = `${result.out}\n${result.err}`;
  const what = `etcdboot ${argv.join(" ")}:\n${printed}`;
  assert.doesNotMatch(printed, /internal error/, what);
  assert.doesNotMatch(printed, /^\s+at /m, `a stack frame: ${what}`);
  assert.equal(result.code, code, what);
  assert.match(result.err, says, what);
}

describe("bad input never ends in an internal error or a stack trace", () => {
  let dir = "";
  let spec = "";
  // The member's address is reached only from a namespace with no route to it (see below).
  const SPEC = "apiVersion: etcdboot/v1alpha1\ncluster: {name: bad}\nhosts:\n  - {name: a, address: 10.219.9.1}\n";
  const pki = () => join(dir, "pki");
  const commands = (specFile: string, pkiRoot: string) => [
    ["certs", specFile, "--pki", pkiRoot],
    ["status", specFile, "--pki", pkiRoot],
    ["members", "remove", "a", specFile, "--pki", pkiRoot],
  ];
  /** A copy of the built PKI with one file replaced (or removed, with undefined). */
  async function pkiWith(name: string, file: string, content: string | undefined): Promise<string> {
    const root = join(dir, `pki-${name}`);
    await cp(pki(), root, { recursive: true });
    const path = join(root, "bad", file);
    if (content === undefined) await rm(path);
    else await writeFile(path, content);
    return root;
  }

  before(async () => {
    dir = await tempDir("cli-errors");
    spec = join(dir, "bad.yaml");
    await writeFile(spec, SPEC);
    const built = await runCli(["build", spec, "--out", join(dir, "output"), "--pki", pki(), "--cache-dir", join(dir, "cache"), "--quiet"]);
    assert.equal(built.code, 0, built.err);
  });

  test("init: a missing folder, a folder, a file as the folder", async () => {
    await writeFile(join(dir, "plain"), "");
    await assertClearError({ argv: ["init", join(dir, "missing", "c.yaml")], code: 1, says: /folder .*missing does not exist: create it first \(mkdir -p / });
    await assert.rejects(readFile(join(dir, "missing", "c.yaml")), "nothing written");
    await assertClearError({ argv: ["init", dir], code: 1, says: /is a folder: give a file name, such as .*cluster\.yaml/ });
    await assertClearError({ argv: ["init", join(dir, "plain", "c.yaml")], code: 1, says: /plain is not a folder/ });
  });

  test("certs, status and members before any build: no PKI, run build first", async () => {
    for (const argv of commands(spec, join(dir, "never-built"))) await assertClearError({ argv, code: 1, says: /no PKI for cluster bad in .*never-built\/: run etcdboot build first/ });
  });

  test("a damaged or missing CA or client certificate is named, with the fix", async () => {
    const damagedCa = await pkiWith("ca", "ca.crt", "not a certificate\n");
    for (const argv of commands(spec, damagedCa)) await assertClearError({ argv, code: 1, says: /ca\.crt is damaged .*restore the PKI folder from a backup/ });
    const damagedClient = await pkiWith("client", "clients/admin.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    for (const argv of commands(spec, damagedClient)) await assertClearError({ argv, code: 1, says: /admin\.crt is damaged .*run etcdboot build: it issues it again/ });
    const missingKey = await pkiWith("no-key", "clients/admin.key", undefined);
    for (const argv of commands(spec, missingKey).slice(1)) await assertClearError({ argv, code: 1, says: /admin\.key is missing: run etcdboot build/ });
    const otherKey = await pkiWith("other-key", "clients/admin.key", await readFile(join(pki(), "bad", "hosts", "a.key"), "utf8"));
    await assertClearError({ argv: commands(spec, otherKey)[1]!, code: 1, says: /admin\.key is not the key of .*admin\.crt/ });
    const garbledKey = await pkiWith("garbled-key", "clients/admin.key", pemArmour("AAAA"));
    await assertClearError({ argv: commands(spec, garbledKey)[2]!, code: 1, says: /admin\.key is damaged/ });
  });

  test("a state.json that is not JSON, and a cluster that does not answer", async (t) => {
    const damagedState = await pkiWith("state", "state.json", "{");
    for (const argv of commands(spec, damagedState).slice(1)) await assertClearError({ argv, code: 1, says: /state\.json is damaged \(not JSON/ });
    if (!requirePrerequisites(t, { root: true, commands: ["ip"] })) return;
    // Only 10.219.0.0/24 is routed in this namespace: the connection fails at once, nothing is sent.
    const network = await createTestNetwork([{ name: "client", address: "10.219.0.1", prefixLength: 24 }]);
    try {
      const result = await network.run("client", [process.execPath, join(REPO, "bin", "etcdboot.js"), ...commands(spec, pki())[1]!], { timeoutMs: 60_000 });
      const printed = `${result.stdout}\n${result.stderr}`;
      assert.equal(result.code, 1, printed);
      assert.match(printed, /no member of cluster bad answered:\n {2}https:\/\/10\.219\.9\.1:2379: /);
      assert.doesNotMatch(printed, /internal error|^\s+at /m);
    } finally {
      await network.destroy();
    }
  });

  test("a lock file that is not JSON, or a folder, stops build, plan and pin", async () => {
    const lockPath = join(dir, "bad.lock.json");
    const offline = ["--out", join(dir, "output"), "--pki", pki(), "--cache-dir", join(dir, "cache"), "--offline"];
    const lockReaders = [["build", spec, ...offline], ["plan", spec, ...offline], ["pin", spec, "--cache-dir", join(dir, "cache"), "--offline"]];
    try {
      await writeFile(lockPath, "{");
      for (const argv of lockReaders) await assertClearError({ argv, code: 1, says: /bad\.lock\.json is not valid JSON .*delete it and run etcdboot pin/ });
      await rm(lockPath);
      await mkdir(lockPath);
      for (const argv of lockReaders) await assertClearError({ argv, code: 1, says: /cannot read the lock file .*bad\.lock\.json: EISDIR/ });
    } finally {
      await rm(lockPath, { recursive: true, force: true });
    }
  });

  test("pin: a cache folder that is a file, a file:// mirror on another machine", async () => {
    const local = join(dir, "local.yaml");
    // Overlays that bundle etcd are the only hosts that may take releases from this machine.
    const overlaySpec = (url: string) =>
      `apiVersion: etcdboot/v1alpha1\ncluster: {name: bad}\netcd: {downloadUrl: "${url}"}\nhosts:\n  - {name: a, address: 10.0.0.1, target: alpine-virt, storage: {tmpfs: true}}\n`;
    await writeFile(local, overlaySpec(`file://${join(dir, "no-mirror")}`));
    await assertClearError({ argv: ["pin", local, "--cache-dir", spec, "--quiet"], code: 1, says: /the release cache .*bad\.yaml cannot be used \(ENOTDIR.*\): fix it or pass another --cache-dir/ });
    const remote = join(dir, "remote.yaml");
    await writeFile(remote, overlaySpec("file://mirror.invalid/etcd"));
    await assertClearError({ argv: ["pin", remote, "--cache-dir", join(dir, "cache"), "--quiet"], code: 1, says: /file:\/\/mirror\.invalid\/etcd\/.* is not a file on this machine/ });
  });

  test("every command: a missing spec, a folder as spec, an unknown option, an extra argument", async () => {
    const specCommands = [["build"], ["pin"], ["plan"], ["status"], ["certs"], ["members", "remove", "a"]];
    for (const command of specCommands) {
      await assertClearError({ argv: [...command, join(dir, "nope.yaml")], code: 2, says: /cannot read spec .*nope\.yaml: no such file \(etcdboot init writes a starter spec\)/ });
      await assertClearError({ argv: [...command, dir], code: 2, says: /cannot read spec / });
      await assertClearError({ argv: [...command, spec, "--frobnicate"], code: 2, says: /^etcdboot [a-z ]+: unknown option --frobnicate \(etcdboot [a-z ]+ --help\)$/ });
      await assertClearError({ argv: [...command, spec, "extra"], code: 2, says: /unexpected argument "extra"/ });
    }
    await assertClearError({ argv: ["init", "a.yaml", "b.yaml"], code: 2, says: /unexpected argument "b\.yaml"/ });
  });

  test("members: an unknown action, no host, a bad --wait, --force where it does not apply", async () => {
    await assertClearError({ argv: ["members", "frob", "a", spec], code: 2, says: /etcdboot members: unknown action "frob": use add, promote, remove, update/ });
    await assertClearError({ argv: ["members", "remove"], code: 2, says: /etcdboot members remove: needs a HOST/ });
    await assertClearError({ argv: ["members", "promote", "a", spec, "--wait", "soon"], code: 2, says: /--wait "soon" is not a number of seconds/ });
    await assertClearError({ argv: ["members", "add", "a", spec, "--force"], code: 2, says: /--force applies only to members remove/ });
    await assertClearError({ argv: ["members", "add", "zz", spec, "--pki", pki()], code: 1, says: /zz is not a host in the spec/ });
  });
});
