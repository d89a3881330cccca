// One build at a time per cluster PKI folder. The lock is the file <folder>.lock beside the folder
// (so it works while the folder is missing or broken, and never changes the folder's bytes, which
// the build stamp fingerprints). It holds the holder's pid, host, start time and a random token.
//
// Taking it: write our record to a private temporary file, then link() it to the lock's name,
// which fails when the name exists: the lock appears whole, or not at all.
// A lock whose holder is dead (same host, no such process, or a zombie, or a new process that
// got the pid) is broken under a second lock named after the stale record's hash: only the one
// holding that can remove the lock, and only while it still holds that very record. So two
// waiters never both take over, and a lock taken meanwhile by a third is never removed.
// Only node: modules here: an up-to-date build takes the lock too, without loading the pipeline.

import { createHash, randomBytes } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { link, readdir, readFile, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { UserError } from "../errors.js";
import { cleanUpOnExit } from "../write/exit-cleanup.js";
import { makeFolders } from "../write/make-folders.js";

const DEFAULT_WAIT_MS = 30_000;
const POLL_MS = 50;

interface LockRecord {
  pid: number;
  hostname: string;
  /** ISO time the lock was taken. */
  started: string;
  /** The holder's start time as the kernel counts it (/proc/<pid>/stat), so a reused pid is told apart. */
  processStart: string | undefined;
  token: string;
}

export interface FolderLock {
  /** Removes the lock (once; later calls do nothing). */
  release(): Promise<void>;
}

/** The lock file of a folder. */
export const lockFileOf = (folder: string): string => `${folder}.lock`;

/** How long a build waits for another: $ETCDBOOT_LOCK_WAIT_SECONDS, else 30 s. */
export function lockWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env["ETCDBOOT_LOCK_WAIT_SECONDS"]);
  return env["ETCDBOOT_LOCK_WAIT_SECONDS"] !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_WAIT_MS;
}

/**
 * Takes the folder's lock, waiting up to waitMs for a live holder to finish; throws a UserError
 * naming the holder when it does not. The lock is also removed when the process is interrupted
 * (SIGINT, SIGTERM, SIGHUP) or exits while holding it.
 */
export async function lockFolder(folder: string, waitMs: number = lockWaitMs()): Promise<FolderLock> {
  const path = lockFileOf(folder);
  const record: LockRecord = {
    pid: process.pid,
    hostname: hostname(),
    started: new Date().toISOString(),
    processStart: processStartOf(process.pid),
    token: randomBytes(8).toString("hex"),
  };
  const text = `${JSON.stringify(record)}\n`;
  const staged = `${path}.${process.pid}-${record.token}.tmp`;
  await createLockParent(dirname(path));
  await writeFile(staged, text, { mode: 0o600, flag: "wx" }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "EACCES" || error.code === "EPERM" || error.code === "EROFS") {
      throw new UserError(`Cannot create ${path} (${error.code}): a build needs to write in ${dirname(path)} to lock ${folder}.`);
    }
    throw error;
  });
  try {
    await acquire(folder, path, staged, waitMs);
    const lock = hold(path, text);
    await removeLitter(path, staged);
    return lock;
  } finally {
    await unlink(staged).catch(() => undefined);
  }
}

async function acquire(folder: string, path: string, staged: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (await linked(staged, path)) return;
    const current = await readIfPresent(path);
    if (current === undefined) continue; // released meanwhile: try again at once
    const holder = parseRecord(current);
    if (holder === undefined || isAlive(holder) === false) {
      if (await breakStale(path, current, staged)) continue;
    }
    if (Date.now() >= deadline) throw lockedError(folder, path, holder, waitMs);
    await sleep(POLL_MS + Math.floor(Math.random() * POLL_MS));
  }
}

function lockedError(folder: string, path: string, holder: LockRecord | undefined, waitMs: number): UserError {
  const who = holder ? `pid ${holder.pid} on ${holder.hostname}, since ${holder.started}` : "a process that left no record";
  return new UserError(
    `${folder} is locked by another etcdboot build (${who}) and stayed locked for the ${Math.round(waitMs / 100) / 10} s this build waited. ` +
      `Run again when it has finished; if no such process is running, remove ${path}.`,
  );
}

/** The parent folder (the PKI root) is private like the PKI; a file in its way is the user's to fix. */
async function createLockParent(parent: string): Promise<void> {
  try {
    await makeFolders(parent, 0o700);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR" || code === "EEXIST") throw new UserError(`${parent} is not a folder: move the file away, or choose another folder with --pki.`);
    throw error;
  }
}

/** link() fails when the name exists: that is the whole mutual exclusion. */
async function linked(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "EISDIR") throw new UserError(`${path} is a folder, but etcdboot keeps its lock file there: move the folder away.`);
    throw error;
  }
}

function parseRecord(text: string): LockRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockRecord>;
    if (typeof value.pid === "number" && typeof value.hostname === "string" && typeof value.token === "string" && typeof value.started === "string") {
      return { pid: value.pid, hostname: value.hostname, started: value.started, processStart: value.processStart, token: value.token };
    }
  } catch {
    // not a record: no etcdboot writes such a lock (records appear whole), so nobody holds it
  }
  return undefined;
}

/** false: the holder is gone; undefined: it runs on another host, which we cannot ask. */
function isAlive(holder: LockRecord): boolean | undefined {
  if (holder.hostname !== hostname()) return undefined;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    // EPERM: it exists, run by another user
  }
  const stat = processStat(holder.pid);
  if (stat === undefined) return true; // no /proc: the pid exists, trust it
  if (stat.state === "Z") return false; // killed, not yet reaped by its parent
  return holder.processStart === undefined || stat.start === holder.processStart;
}

/** State and start time from /proc/<pid>/stat (Linux); undefined elsewhere. */
function processStat(pid: number): { state: string; start: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const [state, start] = [fields[0], fields[19]];
    return state !== undefined && start !== undefined ? { state, start } : undefined;
  } catch {
    return undefined;
  }
}

function processStartOf(pid: number): string | undefined {
  return processStat(pid)?.start;
}

/**
 * Removes the lock at path if it still holds staleText. Only the holder of the breaker lock may;
 * a breaker that died is itself broken the same way. Returns whether anything was removed.
 */
async function breakStale(path: string, staleText: string, staged: string): Promise<boolean> {
  const breaker = `${path}.break-${createHash("sha256").update(staleText).digest("hex").slice(0, 16)}`;
  if (!(await linked(staged, breaker))) {
    const current = await readIfPresent(breaker);
    if (current === undefined) return true; // just finished by another: look again
    const holder = parseRecord(current);
    return holder === undefined || isAlive(holder) === false ? breakStale(breaker, current, staged) : false;
  }
  try {
    if ((await readIfPresent(path)) !== staleText) return true; // already replaced: not ours to remove
    await unlink(path).catch(ignoreMissing);
    return true;
  } finally {
    await unlink(breaker).catch(ignoreMissing);
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== "ENOENT") throw error;
}

/** Temporary and breaker files left by killed processes (each named after its lock): best effort. */
async function removeLitter(path: string, staged: string): Promise<void> {
  const prefix = `${basename(path)}.`;
  try {
    for (const name of (await readdir(dirname(path))).filter((entry) => entry.startsWith(prefix))) {
      const litter = join(dirname(path), name);
      const pid = /^(\d+)-[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length))?.[1];
      if (pid !== undefined && !isPidAlive(Number(pid))) await unlink(litter).catch(ignoreMissing);
      if (!name.slice(prefix.length).startsWith("break-")) continue;
      const text = await readIfPresent(litter);
      const holder = text === undefined ? undefined : parseRecord(text);
      if (text !== undefined && (holder === undefined || isAlive(holder) === false)) await breakStale(litter, text, staged);
    }
  } catch {
    // litter costs a few bytes; failing to clear it must not fail the build
  }
}

function isPidAlive(pid: number): boolean {
  return isAlive({ pid, hostname: hostname(), started: "", processStart: undefined, token: "" }) !== false;
}

// --- Held locks: released on every way out of the process ---------------------------------------

function hold(path: string, text: string): FolderLock {
  // Ours unless someone removed it by hand: then it is not ours to remove.
  const forget = cleanUpOnExit(() => {
    if (readFileSync(path, "utf8") === text) unlinkSync(path);
  });
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      forget();
      if ((await readIfPresent(path)) === text) await unlink(path).catch(ignoreMissing);
    },
  };
}
