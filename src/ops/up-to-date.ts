// `etcdboot build` when nothing changed: like make, compare what the last build read and wrote
// with what is there now, and skip the pipeline when every byte is the same. Read are the spec,
// its lock file, the profiles and etcdboot's own code and dependencies; written are the output
// and PKI folders.
// The clock counts too: the stamp expires when the first certificate is due for renewal.
// Only node: modules here (and the PKI folder's lock, itself only node:), so an up-to-date build
// loads none of the pipeline.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { readdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { versions } from "node:process";
import { lockPathFor } from "../lock/lock-path.js";
import { lockFolder } from "../pki/folder-lock.js";
import { CODE_DIR, PACKAGE_DIR, PROFILES_DIR } from "../paths.js";
import { makeFolders } from "../write/make-folders.js";

/** What `etcdboot build` reports; an up-to-date build repeats the last one's (nothing was written). */
export interface BuildSummary {
  warnings: string[];
  outputDir: string;
  pkiDir: string;
  /** Per host, the main artifacts (user-data and seed.iso, or overlay) and their sizes. */
  hostArtifacts: { host: string; file: string; bytes: number }[];
}

export interface StampRequest {
  specFile: string;
  outRoot: string;
  pkiRoot: string;
  strict: boolean;
  /** --no-seed-image: false. Output without seed images must not pass for output with them. */
  seedImage: boolean;
}

/** 2: stamps written under the PKI lock; those of earlier versions may vouch for a PKI changed by a concurrent build. */
const STAMP_VERSION = 2;

interface Stamp {
  stampVersion: typeof STAMP_VERSION;
  /** The request and the runtime that shape the bytes (gzip output depends on zlib's version). */
  request: string;
  /** SHA-256 over the path, bytes and mode of every file read or written (and the folders' modes). */
  fingerprint: string;
  /** ISO time from which certificates are due for renewal: the stamp is void from then. */
  renewBy: string;
  summary: BuildSummary;
}

const STAMP_FOLDER = ".build-stamps";

function requestText(req: StampRequest): string {
  return JSON.stringify({
    // As typed too: the warnings repeated from the stamp name the spec the way the user did.
    specArgument: req.specFile,
    specFile: resolve(req.specFile),
    outRoot: resolve(req.outRoot),
    pkiRoot: resolve(req.pkiRoot),
    strict: req.strict,
    seedImage: req.seedImage,
    node: versions.node,
    zlib: versions.zlib,
  });
}

/** One stamp per request, kept in the PKI root (beside the clusters' PKI folders, never in them). */
function stampPath(req: StampRequest, request: string): string {
  const key = createHash("sha256").update(request).digest("hex").slice(0, 16);
  return join(resolve(req.pkiRoot), STAMP_FOLDER, `${key}.json`);
}

/** The folder and everything under it, folders included (their modes count). */
async function entriesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  return [folder, ...entries.map((entry) => join(entry.parentPath ?? entry.path, entry.name))];
}

/** Every path with its bytes and mode, in a fixed order; a missing file counts as such. */
async function fingerprint(req: StampRequest, summary: Pick<BuildSummary, "outputDir" | "pkiDir">): Promise<string> {
  const folders = [summary.outputDir, summary.pkiDir, PROFILES_DIR, CODE_DIR];
  const listed = await Promise.all(folders.map(entriesUnder));
  const paths = [resolve(req.specFile), resolve(lockPathFor(req.specFile)), ...dependencyManifests(), ...listed.flat()].sort();
  // Synchronous reads: thousands of small files go several times faster than through the thread pool.
  const all = createHash("sha256");
  for (const path of paths) all.update(`${path}\0${digestOf(path)}\n`);
  return all.digest("hex");
}

/** Each runtime dependency's package.json, found as Node finds packages: an upgrade (tar-stream shapes the overlays) rebuilds. */
export function dependencyManifests(): string[] {
  const { dependencies = {} } = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  return Object.keys(dependencies).map((name) => {
    for (let dir = PACKAGE_DIR; ; dir = dirname(dir)) {
      const manifest = join(dir, "node_modules", name, "package.json");
      if (existsSync(manifest) || dirname(dir) === dir) return manifest;
    }
  });
}

/** Content and mode: a key or PKI folder opened to others must bring back the build that closes it. */
function digestOf(path: string): string {
  const info = statSync(path, { throwIfNoEntry: false });
  if (info === undefined) return "ENOENT";
  const mode = (info.mode & 0o7777).toString(8);
  if (info.isDirectory()) return `folder ${mode}`;
  if (!info.isFile()) return `special ${mode}`; // a pipe would block the read: its presence and mode are enough
  return `${createHash("sha256").update(readFileSync(path)).digest("hex")} ${mode}`;
}

/** The last build's summary when nothing it depends on has changed since; undefined otherwise. */
export async function upToDateSummary(req: StampRequest, now: Date): Promise<BuildSummary | undefined> {
  const request = requestText(req);
  const text = await readFile(stampPath(req, request), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  let stamp: Stamp;
  try {
    stamp = JSON.parse(text) as Stamp;
  } catch {
    return undefined; // a damaged stamp only costs a full build
  }
  if (stamp.stampVersion !== STAMP_VERSION || stamp.request !== request || !(now.getTime() < Date.parse(stamp.renewBy))) return undefined;
  // Compared under the PKI folder's lock: a build changing it now would otherwise be vouched for half-done.
  const lock = await lockFolder(stamp.summary.pkiDir);
  try {
    return stamp.fingerprint === (await fingerprint(req, stamp.summary)) ? stamp.summary : undefined;
  } finally {
    await lock.release();
  }
}

/** Records a finished build: to be called under the PKI folder's lock, after every output and PKI file. Only a cache: a stamp that cannot be written (a read-only PKI root) costs the next build its shortcut, nothing else. */
export async function writeStamp(req: StampRequest, summary: BuildSummary, renewBy: Date): Promise<void> {
  const request = requestText(req);
  const stamp: Stamp = { stampVersion: STAMP_VERSION, request, fingerprint: await fingerprint(req, summary), renewBy: renewBy.toISOString(), summary };
  const path = stampPath(req, request);
  try {
    await makeFolders(dirname(path), 0o700);
    await writeFile(`${path}.tmp`, `${JSON.stringify(stamp)}\n`, { mode: 0o600 });
    await rename(`${path}.tmp`, path);
  } catch {
    // nothing to undo: the build itself is complete
  }
}
