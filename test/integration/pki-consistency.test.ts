// The PKI stays consistent whatever happens to the builds using it: many at once on a fresh
// folder, or one killed (SIGKILL) at a random point. Afterwards the CA key matches the CA, every
// certificate in pki/ and in every user-data verifies with `openssl verify`, and every key in a
// user-data is pki/'s key for that host and matches its certificate. Real builds (bin/etcdboot.js)
// in child processes, real openssl as the judge.
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { parse } from "yaml";
import { main } from "../../src/cli/main.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { REPO, tempDir } from "../support.js";

const BIN = join(REPO, "bin", "etcdboot.js");
const SPEC = `apiVersion: etcdboot/v1alpha1
cluster: {name: lab}
hosts:
  - {name: etcd-1, address: 10.0.0.1}
  - {name: etcd-2, address: ADDRESS}
clients: [admin]
`;

interface Workspace {
  dir: string;
  spec: string;
  out: string;
  pki: string;
  args: string[];
}

async function workspace(t: TestContext): Promise<Workspace> {
  const dir = await tempDir("pki-consistency");
  t.after(() => rm(dir, { recursive: true, force: true }));
  const spec = join(dir, "cluster.yaml");
  await writeFile(spec, SPEC.replace("ADDRESS", "10.0.0.2"));
  const [out, pki] = [join(dir, "output"), join(dir, "pki")];
  return { dir, spec, out, pki, args: ["build", spec, "--out", out, "--pki", pki] };
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** `etcdboot build` in its own process (real clock), as a user would run it. */
function spawnBuild(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  child.stdout.on("data", (chunk: Buffer) => chunks.out.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => chunks.err.push(chunk));
  const done = once(child, "close").then(([code, signal]): Finished => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
    out: Buffer.concat(chunks.out).toString(),
    err: Buffer.concat(chunks.err).toString(),
  }));
  return { child, done };
}

/** A build in this process with the real clock (the spawned builds' certificates are dated by it). */
async function buildHere(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (text) => out.push(text), err: (text) => err.push(text), now: () => new Date() });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const spkiOfKey = (pem: string) => createPublicKey(createPrivateKey(pem)).export({ type: "spki", format: "der" });
const spkiOfCert = (pem: string) => new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" });

function assertKeyMatches(keyPem: string, certPem: string, what: string): void {
  assert.ok(spkiOfKey(keyPem).equals(spkiOfCert(certPem)), `${what}: the key is not the certificate's`);
}

async function openssl(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });
  const output: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => output.push(chunk));
  const [code] = await once(child, "close");
  return { code: code as number | null, output: Buffer.concat(output).toString() };
}

/** The invariants of the issue: CA pair, every certificate verifies, every output key is pki/'s and matches. */
async function assertConsistent(ws: Workspace, context: string): Promise<void> {
  const pkiDir = join(ws.pki, "lab");
  const caCert = await readFile(join(pkiDir, "ca.crt"), "utf8");
  assertKeyMatches(await readFile(join(pkiDir, "ca.key"), "utf8"), caCert, `${context}: ca.key`);
  const toVerify: string[] = [];
  for (const folder of ["hosts", "clients"]) {
    for (const name of (await readdir(join(pkiDir, folder))).filter((file) => file.endsWith(".crt"))) {
      const certPath = join(pkiDir, folder, name);
      assertKeyMatches(await readFile(certPath.replace(/\.crt$/, ".key"), "utf8"), await readFile(certPath, "utf8"), `${context}: ${folder}/${name}`);
      toVerify.push(certPath);
    }
  }
  const extracted = join(ws.dir, "from-user-data");
  await rm(extracted, { recursive: true, force: true });
  await mkdir(extracted);
  const hosts = await readdir(join(ws.out, "lab", "hosts"));
  assert.deepEqual(hosts.sort(), ["etcd-1", "etcd-2"], context);
  for (const host of hosts) {
    const userData = parse(await readFile(join(ws.out, "lab", "hosts", host, "user-data"), "utf8")) as { write_files: { path: string; content: string }[] };
    const file = (path: string) => userData.write_files.find((entry) => entry.path === path)?.content ?? "";
    assert.equal(file("/etc/etcd/pki/ca.crt"), caCert, `${context}: ${host}'s ca.crt is pki/'s`);
    assert.equal(file("/etc/etcd/pki/member.key"), await readFile(join(pkiDir, "hosts", `${host}.key`), "utf8"), `${context}: ${host}'s key is pki/'s`);
    assertKeyMatches(file("/etc/etcd/pki/member.key"), file("/etc/etcd/pki/member.crt"), `${context}: ${host}'s user-data`);
    await writeFile(join(extracted, `${host}.crt`), file("/etc/etcd/pki/member.crt"));
    toVerify.push(join(extracted, `${host}.crt`));
  }
  const verified = await openssl(["verify", "-CAfile", join(pkiDir, "ca.crt"), ...toVerify]);
  assert.equal(verified.code, 0, `${context}: openssl verify:\n${verified.output}`);
  assert.equal(verified.output.trim().split("\n").filter((line) => line.endsWith(": OK")).length, toVerify.length, verified.output);
}

/** SIGKILL after delay ms, counted from now or from when the file at lockPath appears. */
function killAfter(child: ChildProcess, delay: number, lockPath: string | undefined): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const kill = () => (timer = setTimeout(() => child.kill("SIGKILL"), delay));
  if (lockPath === undefined) {
    kill();
    return { stop: () => clearTimeout(timer) };
  }
  const poll = setInterval(() => {
    if (!existsSync(lockPath)) return;
    clearInterval(poll);
    kill();
  }, 1);
  return {
    stop: () => {
      clearInterval(poll);
      clearTimeout(timer);
    },
  };
}

describe("the PKI stays consistent", () => {
  test("20 builds at once on a fresh PKI folder, 3 times: each finishes or names the lock's holder; the PKI agrees with itself and the output", async (t) => {
    if (!requirePrerequisites(t, { commands: ["openssl"] })) return;
    for (let trial = 1; trial <= 3; trial++) {
      const ws = await workspace(t);
      const builds = Array.from({ length: 20 }, () => spawnBuild(ws.args, { ETCDBOOT_LOCK_WAIT_SECONDS: "1" }));
      const pids = new Set(builds.map((build) => build.child.pid));
      const results = await Promise.all(builds.map((build) => build.done));
      for (const result of results) {
        if (result.code === 0) continue;
        assert.equal(result.code, 1, `trial ${trial}: ${result.err}`);
        const holder = /is locked by another etcdboot build \(pid (\d+) on /.exec(result.err);
        assert.ok(holder, `trial ${trial}: a build failed for another reason than the lock:\n${result.err}`);
        assert.ok(pids.has(Number(holder[1])), `trial ${trial}: the named holder ${holder[1]} is one of the builds`);
        assert.doesNotMatch(result.err, /internal error/);
      }
      assert.ok(results.some((result) => result.code === 0), `trial ${trial}: some build finished`);
      await assertConsistent(ws, `trial ${trial}`);
      assert.equal(existsSync(join(ws.pki, "lab.lock")), false, "no lock is left behind");
    }
  });

  test("a build killed (SIGKILL) at a random point, 20 times, then a normal build: the PKI agrees, and no stamp vouches for a broken one", async (t) => {
    if (!requirePrerequisites(t, { commands: ["openssl"] })) return;
    const ws = await workspace(t);
    // The kills land anywhere in a build: from start-up to exit of an unhindered one.
    const started = Date.now();
    assert.equal((await spawnBuild(ws.args).done).code, 0);
    const buildMs = Date.now() - started;
    let staleLocks = 0;
    for (let trial = 0; trial < 20; trial++) {
      // In turn: a first build on a fresh folder, a CA replacement, a changed host certificate.
      const kind = (["fresh", "replace-ca", "renumber"] as const)[trial % 3];
      if (kind === "fresh") await rm(ws.pki, { recursive: true, force: true });
      if (kind === "renumber") await writeFile(ws.spec, SPEC.replace("ADDRESS", `10.0.0.${100 + trial}`));
      const build = spawnBuild(kind === "replace-ca" ? [...ws.args, "--replace-ca"] : ws.args);
      // Every other kill lands while the lock is held (where the PKI is written), the rest anywhere.
      const whileLocked = trial % 2 === 1;
      const delay = Math.floor(Math.random() * (whileLocked ? buildMs / 3 : buildMs));
      const killer = killAfter(build.child, delay, whileLocked ? join(ws.pki, "lab.lock") : undefined);
      await build.done;
      killer.stop();
      if (existsSync(join(ws.pki, "lab.lock"))) staleLocks++;

      const context = `trial ${trial} (${kind}, killed ${delay} ms after ${whileLocked ? "it locked" : "its start"})`;
      const next = await buildHere(ws.args);
      assert.equal(next.code, 0, `${context}: ${next.err}`);
      await assertConsistent(ws, context);
      // And the build after that may use its stamp: it vouches for exactly what was just checked.
      const again = await buildHere(ws.args);
      assert.equal(again.code, 0, `${context}: ${again.err}`);
      assert.match(again.out, /is up to date$/, context);
    }
    assert.ok(staleLocks > 0, "some builds were killed while holding the lock, which the next build took over");
  });

  test("a second build waits the configured time, then exits 1 naming the running build's pid; nothing is written by it", async (t) => {
    const ws = await workspace(t);
    assert.equal((await buildHere(ws.args)).code, 0);
    // A holder that stays: a process holding the folder's lock, as a long build would.
    const holder = spawn(
      process.execPath,
      ["--input-type=module", "-e", `const { lockFolder } = await import(${JSON.stringify(join(REPO, "dist", "src", "pki", "folder-lock.js"))}); await lockFolder(${JSON.stringify(join(ws.pki, "lab"))}, 0); process.stdout.write("held\\n"); setInterval(() => {}, 1000);`],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    t.after(() => holder.kill("SIGKILL"));
    await once(holder.stdout, "data");
    await writeFile(ws.spec, SPEC.replace("ADDRESS", "10.0.0.99"));
    const before = await readFile(join(ws.pki, "lab", "hosts", "etcd-2.crt"), "utf8");
    const waited = spawnBuild(ws.args, { ETCDBOOT_LOCK_WAIT_SECONDS: "0.5" });
    const result = await waited.done;
    assert.equal(result.code, 1, result.err);
    assert.match(result.err, new RegExp(`lab is locked by another etcdboot build \\(pid ${holder.pid} on .*waited\\. Run again when it has finished`));
    assert.doesNotMatch(result.err, /internal error|\n\s+at /);
    assert.equal(await readFile(join(ws.pki, "lab", "hosts", "etcd-2.crt"), "utf8"), before);
    holder.kill("SIGTERM");
    await once(holder, "exit");
    assert.equal((await buildHere(ws.args)).code, 0, "once it is gone, the build runs");
  });

  test("a key in the PKI replaced by a named pipe: the next build (stamp check included) exits 1 naming it, without blocking", { timeout: 60_000 }, async (t) => {
    const ws = await workspace(t);
    assert.equal((await buildHere(ws.args)).code, 0);
    const key = join(ws.pki, "lab", "hosts", "etcd-1.key");
    await rm(key);
    execFileSync("mkfifo", [key]);
    const result = await spawnBuild(ws.args).done;
    assert.equal(result.code, 1, result.err);
    assert.match(result.err, /etcd-1\.key is not a regular file/);
  });

  test("the cluster's PKI folder is a file: exit 1 with a message, no stack trace, no output", async (t) => {
    const ws = await workspace(t);
    await mkdir(ws.pki);
    await writeFile(join(ws.pki, "lab"), "not a folder");
    const result = await buildHere(ws.args);
    assert.equal(result.code, 1);
    assert.match(result.err, /lab should be a folder of the PKI but is a file: move it out of the way/);
    assert.doesNotMatch(result.err, /internal error/);
    assert.equal(existsSync(ws.out), false);
  });
});
