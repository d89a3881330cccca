// The PKI folder's lock (src/pki/folder-lock.ts): one holder at a time, a bounded wait naming the
// holder, dead holders' locks taken over by exactly one waiter, released on signals.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { UserError } from "../../src/errors.js";
import { lockFileOf, lockFolder, lockWaitMs } from "../../src/pki/folder-lock.js";
import { REPO } from "../support.js";
import { temporaryDirectory } from "./helpers.js";

const LOCK_MODULE = join(REPO, "dist", "src", "pki", "folder-lock.js");

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

const record = (pid: number, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ pid, hostname: hostname(), started: "2026-12-03T10:00:00.000Z", processStart: undefined, token: "0123456789abcdef", ...extra })}\n`;

describe("lockFolder", () => {
  test("a second taker waits the time it is given, then fails naming the holder's pid; after release it gets the lock", async (t) => {
    const folder = join(await temporaryDirectory(t), "pki", "lab");
    const first = await lockFolder(folder, 0);
    const started = Date.now();
    await assert.rejects(lockFolder(folder, 300), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, new RegExp(`locked by another etcdboot build \\(pid ${process.pid} on `));
      assert.ok(error.message.includes(lockFileOf(folder)), error.message);
      return true;
    });
    assert.ok(Date.now() - started >= 300, "it waited");
    await first.release();
    const second = await lockFolder(folder, 0);
    await second.release();
    assert.deepEqual(await readdir(join(folder, "..")), [], "no lock and no litter left");
  });

  test("a waiter gets the lock as soon as the holder releases it", async (t) => {
    const folder = join(await temporaryDirectory(t), "lab");
    const first = await lockFolder(folder, 0);
    setTimeout(() => void first.release(), 200);
    const second = await lockFolder(folder, 5000);
    await second.release();
  });

  for (const [name, text] of [
    ["a dead process", () => record(deadPid())],
    ["a live pid now run by another process (its start time differs)", () => record(process.pid, { processStart: "1" })],
    ["nobody (an empty file)", () => ""],
  ] as const) {
    test(`a lock left by ${name} is taken over at once`, async (t) => {
      const folder = join(await temporaryDirectory(t), "lab");
      await writeFile(lockFileOf(folder), text());
      await writeFile(`${lockFileOf(folder)}.${deadPid()}-00aa.tmp`, "litter of a killed waiter");
      const lock = await lockFolder(folder, 0);
      assert.equal(JSON.parse(await readFile(lockFileOf(folder), "utf8")).pid, process.pid);
      assert.deepEqual(await readdir(join(folder, "..")), ["lab.lock"], "the killed waiter's litter is gone");
      await lock.release();
    });
  }

  test("the wait comes from ETCDBOOT_LOCK_WAIT_SECONDS, else 30 s", () => {
    assert.equal(lockWaitMs({}), 30_000);
    assert.equal(lockWaitMs({ ETCDBOOT_LOCK_WAIT_SECONDS: "0.5" }), 500);
    assert.equal(lockWaitMs({ ETCDBOOT_LOCK_WAIT_SECONDS: "soon" }), 30_000);
  });

  test("12 processes racing for a lock a dead process left: one holder at a time, every one gets it", async (t) => {
    const folder = join(await temporaryDirectory(t), "lab");
    const log = join(folder, "..", "log");
    await writeFile(lockFileOf(folder), record(deadPid()));
    const script = `
      import { appendFileSync } from "node:fs";
      const { lockFolder } = await import(${JSON.stringify(LOCK_MODULE)});
      const lock = await lockFolder(${JSON.stringify(folder)}, 60000);
      appendFileSync(${JSON.stringify(log)}, "in " + process.pid + "\\n");
      await new Promise((resolve) => setTimeout(resolve, 20));
      appendFileSync(${JSON.stringify(log)}, "out " + process.pid + "\\n");
      await lock.release();`;
    const children = Array.from({ length: 12 }, () => spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "inherit" }));
    const codes = await Promise.all(children.map(async (child) => (await once(child, "exit"))[0]));
    assert.deepEqual(codes, Array(12).fill(0));
    const lines = (await readFile(log, "utf8")).trim().split("\n");
    assert.equal(lines.length, 24);
    for (let i = 0; i < lines.length; i += 2) {
      const pid = lines[i]?.split(" ")[1];
      assert.deepEqual([lines[i], lines[i + 1]], [`in ${pid}`, `out ${pid}`], `holders overlapped at line ${i + 1}:\n${lines.join("\n")}`);
    }
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    test(`a holder stopped by ${signal} removes its lock and still dies of the signal`, async (t) => {
      const folder = join(await temporaryDirectory(t), "lab");
      const script = `
        const { lockFolder } = await import(${JSON.stringify(LOCK_MODULE)});
        await lockFolder(${JSON.stringify(folder)}, 0);
        process.stdout.write("held\\n");
        setInterval(() => {}, 1000);`;
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
      await once(child.stdout, "data");
      assert.ok((await readdir(join(folder, ".."))).includes("lab.lock"));
      child.kill(signal);
      const [code, killedBy] = await once(child, "exit");
      assert.deepEqual([code, killedBy], [null, signal]);
      assert.deepEqual(await readdir(join(folder, "..")), []);
    });
  }

  test("a PKI root that is a file: a UserError naming it", async (t) => {
    const root = join(await temporaryDirectory(t), "pki");
    await writeFile(root, "not a folder");
    await assert.rejects(lockFolder(join(root, "lab"), 0), (error: unknown) => error instanceof UserError && error.message.includes(`${root} is not a folder`));
  });
});
