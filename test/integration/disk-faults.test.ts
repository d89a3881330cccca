// Secrets on disk and file-system faults, as a user meets them: the modes of everything written,
// --out/--pki mix-ups refused before anything is written, plan's private scratch copy, and real
// faults (a full tmpfs, a read-only mount, an immutable folder, a folder not ours), each ending
// in one clear line, exit 1, and the previous output and PKI unchanged.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { chmod, lstat, mkdir, readdir, readFile, rm, statfs, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { gunzipSync } from "node:zlib";
import { runChecked } from "../harness/exec.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { fileIdentities, REPO, runCli, tempDir } from "../support.js";

const EXAMPLE = join(REPO, "profiles", "examples", "three-vms.yaml");
const BIN = join(REPO, "bin", "etcdboot.js");

const MIXED_SPEC = `apiVersion: etcdboot/v1alpha1
cluster: {name: mixed}
etcd: {version: 3.6.14, install: fetch}
hosts:
  - {name: vm-1, address: 10.0.0.1, target: debian-12}
  - {name: pi-1, address: 10.0.0.2, target: alpine-rpi, arch: arm64, storage: {tmpfs: true}, wifi: {ssid: lab, psk: correct-horse-battery, country: CN}}
  - {name: pi-2, address: 10.0.0.3, target: alpine-rpi, arch: arm64, storage: {tmpfs: true}}
`;

/** A temp folder with the example spec in it, removed after the test (after `undo`, run last-first: unmounts, chattr -i). */
async function workspace(t: TestContext, specText?: string) {
  const dir = await tempDir("disk-faults");
  const undo: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    for (const step of undo.reverse()) await step();
    await rm(dir, { recursive: true, force: true });
  });
  const spec = join(dir, "cluster.yaml");
  await writeFile(spec, specText ?? (await readFile(EXAMPLE, "utf8")));
  const out = join(dir, "out");
  const pki = join(dir, "pki");
  return { dir, spec, out, pki, undo, args: ["build", spec, "--out", out, "--pki", pki, "--quiet"] };
}

/** Every entry under dir: kind, mode and (files) SHA-256. Equal snapshots: nothing was changed. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    const info = await lstat(path);
    const digest = entry.isFile() ? createHash("sha256").update(await readFile(path)).digest("hex") : entry.isDirectory() ? "folder" : "other";
    seen.set(path.slice(dir.length + 1), `${(info.mode & 0o7777).toString(8)} ${digest}`);
  }
  return seen;
}

/** Exit 1 (or code), a single line saying what, no stack and no "internal error". */
function assertCleanFailure(result: { code: number | null; err: string }, pattern: RegExp, code = 1): void {
  assert.equal(result.code, code, result.err);
  assert.doesNotMatch(result.err, /internal error|this is a bug/);
  assert.doesNotMatch(result.err, /^\s+at /m, "no stack trace");
  assert.equal(result.err.trim().split("\n").length, 1, `one line: ${result.err}`);
  assert.match(result.err, pattern);
}

async function build(args: string[]) {
  const result = await runCli(args);
  assert.equal(result.code, 0, result.err);
  return result;
}

/** A change that rewrites every host's user-data but leaves the PKI as it is. */
async function changeTuning(spec: string): Promise<void> {
  await writeFile(spec, (await readFile(spec, "utf8")).replace("tuning: default", "tuning: wan"));
}

async function mountTmpfs(undo: (() => Promise<unknown>)[], dir: string, size: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await runChecked(["mount", "-t", "tmpfs", "-o", `size=${size},mode=0755`, "tmpfs", dir]);
  undo.push(() => runChecked(["umount", dir]));
}

/** Leaves about `free` bytes on the file system that holds dir. */
async function fillUp(dir: string, free: number): Promise<void> {
  const fs = await statfs(dir);
  await writeFile(join(dir, "filler"), Buffer.alloc(Math.max(0, fs.bavail * fs.bsize - free)));
}

/** Carries a private key: user-data in clear, an overlay inside its gzip. */
function carriesKey(path: string, bytes: Buffer): boolean {
  const text = path.endsWith(".gz") ? gunzipSync(bytes).toString("latin1") : bytes.toString("latin1");
  return /-{5}BEGIN (EC |RSA )?PRIVATE KEY-{5}/.test(text);
}

async function assertOutputModes(outputDir: string, umask: number, when: string): Promise<void> {
  let carriers = 0;
  for (const entry of await readdir(outputDir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const relativePath = path.slice(outputDir.length + 1);
    const mode = (await lstat(path)).mode & 0o7777;
    if (entry.isDirectory()) {
      const hostFolder = /^hosts\/[^/]+$/.test(relativePath);
      assert.equal(mode, hostFolder ? 0o700 : 0o777 & ~umask, `${when}: folder ${relativePath}`);
    } else {
      const secret = carriesKey(path, await readFile(path));
      carriers += secret ? 1 : 0;
      assert.equal(mode, secret ? 0o600 : 0o644 & ~umask, `${when}: ${relativePath}`);
    }
  }
  assert.equal(await lstat(outputDir).then((s) => s.mode & 0o7777), 0o777 & ~umask, `${when}: the cluster folder itself`);
  assert.ok(carriers >= 3, `${when}: every host's artifact carries its key (${carriers})`);
}

describe("secrets on disk", () => {
  for (const umask of [0o000, 0o022]) {
    test(`umask ${umask.toString(8).padStart(3, "0")}: every artifact that carries a key (user-data, overlays) is exactly 0600 in a 0700 folder, new and updated`, async (t) => {
      const { spec, out, args } = await workspace(t, MIXED_SPEC);
      const previous = process.umask(umask);
      t.after(() => void process.umask(previous));
      await build(args);
      await assertOutputModes(join(out, "mixed"), umask, "new");
      await writeFile(spec, `${await readFile(spec, "utf8")}  - {name: vm-2, address: 10.0.0.4, target: rocky-9}\n`);
      await build(args);
      await assertOutputModes(join(out, "mixed"), umask, "updated");
      assert.ok((await readdir(join(out, "mixed", "hosts"))).includes("vm-2"));
    });
  }

  test("an older build's loose modes (user-data 0644 in a 0755 folder) are tightened by the next build; nothing else is rewritten", async (t) => {
    const { out, args } = await workspace(t);
    await build(args);
    const hostDir = join(out, "lab", "hosts", "etcd-2");
    await chmod(join(hostDir, "user-data"), 0o644);
    await chmod(hostDir, 0o755);
    const before = await fileIdentities(out);
    const again = await build(args);
    assert.match(again.out, /wrote /);
    assert.equal((await lstat(join(hostDir, "user-data"))).mode & 0o7777, 0o600);
    assert.equal((await lstat(hostDir)).mode & 0o7777, 0o700);
    const after = await fileIdentities(out);
    assert.deepEqual([...after].filter(([path, id]) => before.get(path) !== id).map(([path]) => path), ["lab/hosts/etcd-2/user-data"]);
  });
});

describe("--out and --pki", () => {
  const overlaps: { name: string; folders: (dir: string) => Promise<[string, string]>; message: RegExp }[] = [
    { name: "the same folder", folders: async (dir) => [join(dir, "both"), join(dir, "both")], message: /are the same folder/ },
    { name: "the PKI inside the output", folders: async (dir) => [join(dir, "out"), join(dir, "out", "pki")], message: /PKI folder is inside the output folder/ },
    { name: "the output inside the PKI", folders: async (dir) => [join(dir, "pki", "out"), join(dir, "pki")], message: /output folder is inside the PKI folder/ },
    {
      name: "the output inside the PKI through a symbolic link",
      folders: async (dir) => {
        await mkdir(join(dir, "pki"));
        await symlink(join(dir, "pki"), join(dir, "published"));
        return [join(dir, "published", "lab-out"), join(dir, "pki")];
      },
      message: /output folder is inside the PKI folder/,
    },
  ];
  for (const overlap of overlaps) {
    test(`${overlap.name}: refused (exit 2) before anything is written`, async (t) => {
      const { dir, spec } = await workspace(t);
      const [out, pki] = await overlap.folders(dir);
      const before = await snapshot(dir);
      assertCleanFailure(await runCli(["build", spec, "--out", out, "--pki", pki]), overlap.message, 2);
      assert.deepEqual(await snapshot(dir), before);
    });
  }

  test("--out, or the cluster folder in it, being a file: a clear error before the PKI is touched", async (t) => {
    const { dir, spec, pki } = await workspace(t);
    await writeFile(join(dir, "not-a-folder"), "x");
    await mkdir(join(dir, "out"));
    await writeFile(join(dir, "out", "lab"), "x");
    const before = await snapshot(dir);
    assertCleanFailure(await runCli(["build", spec, "--out", join(dir, "not-a-folder"), "--pki", pki]), /not-a-folder is a file, not a folder/);
    assertCleanFailure(await runCli(["build", spec, "--out", join(dir, "out"), "--pki", pki]), /out\/lab is a file, not a folder/);
    assert.deepEqual(await snapshot(dir), before, "no PKI made");
  });

  test("--out or --pki through a symbolic link that leads nowhere (missing target, loop): a clear error, nothing written", async (t) => {
    const { dir, spec, out, pki } = await workspace(t);
    await symlink(join(dir, "unmounted", "disk"), join(dir, "dangling"));
    await symlink(join(dir, "loop"), join(dir, "loop"));
    const before = await snapshot(dir);
    for (const [outArg, pkiArg, link] of [[join(dir, "dangling", "out"), pki, "dangling"], [out, join(dir, "loop"), "loop"]] as const)
      assertCleanFailure(await runCli(["build", spec, "--out", outArg, "--pki", pkiArg]), new RegExp(`${join(dir, link)} is a symbolic link that leads nowhere`));
    assert.deepEqual(await snapshot(dir), before);
  });
});

describe("a damaged state.json", () => {
  const damages: { name: string; damage: (path: string) => Promise<void>; message: RegExp }[] = [
    { name: "not JSON", damage: (path) => writeFile(path, '{"stateVersion": 2, "clus'), message: /state\.json is damaged \(not JSON/ },
    { name: "the wrong shape", damage: (path) => writeFile(path, '{"stateVersion": 2, "cluster": "lab", "members": 7}\n'), message: /state\.json is damaged \(/ },
    { name: "a folder", damage: async (path) => (await rm(path), await mkdir(path)), message: /state\.json is a folder/ },
  ];
  for (const { name, damage, message } of damages) {
    test(`${name}: exit 1, one line naming the file and what moving it aside loses; output and PKI unchanged`, async (t) => {
      const { out, pki, args } = await workspace(t);
      await build(args);
      await damage(join(pki, "lab", "state.json"));
      const before = [await snapshot(out), await snapshot(pki)];
      const result = await runCli(args);
      assertCleanFailure(result, message);
      assert.match(result.err, new RegExp(`${join(pki, "lab", "state.json")} .*move it aside`));
      assert.deepEqual([await snapshot(out), await snapshot(pki)], before);
    });
  }
});

describe("plan's scratch copy of the PKI", () => {
  /** os.tmpdir() follows TMPDIR: a private one shows what plan leaves behind. */
  async function privateTmpdir(t: TestContext, dir: string): Promise<string> {
    const tmp = join(dir, "tmp");
    await mkdir(tmp);
    const previous = process.env["TMPDIR"];
    process.env["TMPDIR"] = tmp;
    t.after(() => {
      if (previous === undefined) delete process.env["TMPDIR"];
      else process.env["TMPDIR"] = previous;
    });
    return tmp;
  }

  test("removed after a plan that succeeds and after one that fails; the error names the real PKI folder", async (t) => {
    const { dir, spec, out, pki, args } = await workspace(t);
    await build(args);
    const tmp = await privateTmpdir(t, dir);
    const planArgs = ["plan", spec, "--out", out, "--pki", pki, "--quiet"];
    const planned = await runCli(planArgs);
    assert.equal(planned.code, 0, planned.err);
    assert.deepEqual(await readdir(tmp), []);
    await writeFile(join(pki, "lab", "ca.crt"), "damaged\n");
    const failed = await runCli(planArgs);
    assertCleanFailure(failed, new RegExp(`${join(pki, "lab")}\\b`));
    assert.ok(!failed.err.includes(tmp) && !failed.err.includes("etcdboot-plan-"), failed.err);
    assert.deepEqual(await readdir(tmp), []);
  });

  test("removed when plan is stopped by SIGTERM while it issues certificates (it still dies of the signal)", async (t) => {
    const { dir, spec, out, pki } = await workspace(t);
    await writeFile(spec, (await readFile(spec, "utf8")).replace("ecdsa-p256", "rsa-4096")); // seconds of key generation
    const tmp = join(dir, "tmp");
    await mkdir(tmp);
    const child = spawn(process.execPath, [BIN, "plan", spec, "--out", out, "--pki", pki, "--quiet"], { env: { ...process.env, TMPDIR: tmp }, stdio: "ignore" });
    const exited = once(child, "exit");
    t.after(() => void (child.exitCode === null && child.signalCode === null && child.pid !== undefined && process.kill(child.pid, "SIGKILL")));
    for (let waited = 0; (await readdir(tmp)).length === 0; waited += 20) {
      assert.ok(waited < 30_000 && child.exitCode === null, "plan made its scratch copy");
      await sleep(20);
    }
    const [scratch] = await readdir(tmp);
    assert.match(scratch ?? "", /^etcdboot-plan-/);
    assert.equal((await lstat(join(tmp, scratch ?? ""))).mode & 0o7777, 0o700, "private: it holds a copy of the CA key");
    assert.ok(child.pid !== undefined);
    process.kill(child.pid, "SIGTERM");
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    assert.deepEqual({ code, signal }, { code: null, signal: "SIGTERM" });
    assert.deepEqual(await readdir(tmp), []);
  });
});

describe("an output folder that is a mount point (it cannot be renamed)", () => {
  test("a freshly mounted empty disk is written, then updated in place: files replaced, loose modes tightened, still the mount", async (t) => {
    if (!requirePrerequisites(t, { root: true, commands: ["mount", "umount"] })) return;
    const { spec, out, args, undo } = await workspace(t);
    const previous = process.umask(0o022);
    t.after(() => void process.umask(previous));
    const lab = join(out, "lab");
    await mountTmpfs(undo, lab, "1m");
    const device = (await lstat(lab)).dev;
    await build(args);
    await chmod(join(lab, "hosts", "etcd-1", "user-data"), 0o644);
    await chmod(join(lab, "hosts", "etcd-1"), 0o755);
    await changeTuning(spec);
    await build(args);
    assert.equal((await lstat(lab)).dev, device, "the same mounted file system");
    assert.match(await readFile(join(lab, "hosts", "etcd-2", "user-data"), "utf8"), /heartbeat-interval: 300\b/, "the wan tuning");
    await assertOutputModes(lab, 0o022, "in place");
    assert.deepEqual([...(await fileIdentities(lab)).keys()].filter((path) => path.includes(".tmp")), [], "no temporary files");
  });
});

describe("file-system faults", () => {
  test("a full disk under the output (ENOSPC) while updating it: exit 1, one line; the previous output and the PKI unchanged, no litter", async (t) => {
    if (!requirePrerequisites(t, { root: true, commands: ["mount", "umount"] })) return;
    const { spec, out, pki, args, undo } = await workspace(t);
    await mountTmpfs(undo, out, "1m"); // the first build's output (with its seed images, about 64 KiB per host) must fit
    await build(args);
    await fillUp(out, 16 * 1024); // room for one or two new files, not for every host's new user-data
    const before = [await snapshot(join(out, "lab")), await snapshot(pki)];
    await changeTuning(spec);
    assertCleanFailure(await runCli(args), /no space left on device \(ENOSPC/);
    assert.deepEqual([await snapshot(join(out, "lab")), await snapshot(pki)], before);
    assert.deepEqual((await readdir(out)).sort(), ["filler", "lab"], "no staging folder left");
    await rm(join(out, "filler"));
    await build(args); // and once there is room, the same build goes through
  });

  test("a full disk under the PKI (ENOSPC) on the first build: exit 1, one line, no output and no temporary files", async (t) => {
    if (!requirePrerequisites(t, { root: true, commands: ["mount", "umount"] })) return;
    const { out, pki, args, undo } = await workspace(t);
    await mountTmpfs(undo, pki, "16k");
    assertCleanFailure(await runCli(args), /no space left on device \(ENOSPC/);
    assert.deepEqual(await readdir(out).catch(() => "absent"), "absent");
    assert.deepEqual([...(await snapshot(pki)).keys()].filter((path) => path.endsWith(".tmp")), []);
  });

  test("a read-only file system under the output (EROFS): exit 1, one line; the previous output and the PKI unchanged", async (t) => {
    if (!requirePrerequisites(t, { root: true, commands: ["mount", "umount"] })) return;
    const { spec, out, pki, args, undo } = await workspace(t);
    await mountTmpfs(undo, out, "1m");
    await build(args);
    await runChecked(["mount", "-o", "remount,ro", out]);
    const before = [await snapshot(out), await snapshot(pki)];
    await changeTuning(spec);
    assertCleanFailure(await runCli(args), /read-only file system \(EROFS/);
    assert.deepEqual([await snapshot(out), await snapshot(pki)], before);
  });

  test("an immutable output folder (chattr +i, EPERM): exit 1, one line; the previous output and the PKI unchanged, no staging folder left", async (t) => {
    if (!requirePrerequisites(t, { root: true, commands: ["chattr"] })) return;
    const { spec, out, pki, args, undo } = await workspace(t);
    await build(args);
    await runChecked(["chattr", "+i", join(out, "lab")]);
    undo.push(() => runChecked(["chattr", "-i", join(out, "lab")]));
    const before = [await snapshot(out), await snapshot(pki)];
    await changeTuning(spec);
    assertCleanFailure(await runCli(args), /operation not permitted \(EPERM/);
    assert.deepEqual([await snapshot(out), await snapshot(pki)], before);
  });

  test("an output folder the user may not write (EACCES, root without capabilities): exit 1, one line; the previous output and the PKI unchanged", async (t) => {
    if (!requirePrerequisites(t, { root: true, commands: ["setpriv"] })) return;
    const { spec, out, pki, args } = await workspace(t);
    await build(args);
    // Root without its capabilities is held to the mode bits like anyone else, and still owns the
    // repository wherever CI cloned it (another user might not even reach it).
    await chmod(out, 0o555);
    await changeTuning(spec);
    const before = [await snapshot(out), await snapshot(join(pki, "lab"))];
    const child = spawn("setpriv", ["--inh-caps=-all", "--bounding-set=-all", "--", process.execPath, BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stdout.resume();
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    const [code] = (await once(child, "exit")) as [number | null];
    assertCleanFailure({ code, err }, /permission denied \(EACCES/);
    assert.deepEqual([await snapshot(out), await snapshot(join(pki, "lab"))], before);
  });
});
