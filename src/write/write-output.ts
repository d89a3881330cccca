// Write a cluster's output folder. The new tree is built whole in a staging folder beside its
// final name and then renamed into place, so a failure (a full or read-only disk) leaves the
// previous folder as it was (a mount point, which cannot be renamed, is updated in place).
// Files whose bytes and mode are already right are hard-linked into the staging folder rather
// than written again (same inode, same mtime), and an unchanged build writes nothing at all.
// Files that carry a key are exactly 0600, in folders exactly 0700.

import { chmod, copyFile, link, lstat, mkdir, readdir, readFile, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { MANIFEST, type OutputFile } from "../encoders/output-tree.js";
import { UserError } from "../errors.js";
import { writeFileAtomic, writeNewFile } from "./atomic-file.js";
import { withPathReplaced } from "./error-paths.js";
import { assertFolderOrAbsent } from "./folder-checks.js";
import { forEachLimited } from "./concurrency.js";
import { makeFolders } from "./make-folders.js";

/** Public output: the umask applies, as to any file the user makes. */
const OUTPUT_FILE_MODE = 0o644;
const OUTPUT_FOLDER_MODE = 0o777;
/** Output that carries a key: exactly these, whatever the umask. */
export const SECRET_FILE_MODE = 0o600;
export const SECRET_FOLDER_MODE = 0o700;

const STAGING_MARK = ".etcdboot-new-";
const PREVIOUS_MARK = ".etcdboot-old-";

export interface WriteResult {
  changed: boolean;
  /** Relative paths written anew (manifest.json last), and removed. */
  written: string[];
  removed: string[];
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}

/** Only ever replace a folder etcdboot wrote: a mistyped --out must not wipe someone's files. */
export async function assertReplaceableOutput(dir: string): Promise<void> {
  await assertFolderOrAbsent(dir, "--out");
  // None: missing, or empty (a freshly mounted disk).
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [] as string[];
    throw error;
  });
  if (entries.length > 0 && !entries.includes(MANIFEST))
    throw new UserError(`${dir} exists and was not written by etcdboot (no ${MANIFEST}): choose another --out folder or remove it`);
}

export async function writeOutputTree(given: string, files: OutputFile[]): Promise<WriteResult> {
  // Through a symbolic link (output/lab → /srv/www/lab): the folder it leads to is replaced, the link stays.
  const dir = await realpath(given).catch(() => given);
  await recoverInterruptedWrite(dir);
  await assertReplaceableOutput(dir);
  if (!(await exists(dir))) {
    await replaceWithStaged(dir, files, new Set(), false);
    return { changed: true, written: files.map((f) => f.path), removed: [] };
  }
  const listing = await listTree(dir);
  const [reusable, looseFolders] = await Promise.all([filesAlreadyRight(dir, files, listing), secretFoldersNotPrivate(dir, files, listing)]);
  const stale = entriesNotProduced(files, listing);
  const differing = files.filter((f) => !reusable.has(f));
  if (differing.length === 0 && stale.length === 0 && looseFolders.length === 0) return { changed: false, written: [], removed: [] };
  if (await isMountPoint(dir)) await updateInPlace(dir, files, reusable, stale);
  else await replaceWithStaged(dir, files, reusable, true);
  const written = [...differing.filter((f) => f.path !== MANIFEST), ...differing.filter((f) => f.path === MANIFEST)].map((f) => f.path);
  return { changed: true, written, removed: stale };
}

/** Builds the whole tree in a staging folder (reusable files linked from dir), then puts it in dir's place. */
async function replaceWithStaged(dir: string, files: OutputFile[], reusable: ReadonlySet<OutputFile>, replacing: boolean): Promise<void> {
  const staging = `${dir}${STAGING_MARK}${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  try {
    await makeFolders(dirname(dir));
    await mkdir(staging);
    await makeOutputFolders(staging, files);
    await placeFiles(files, (file) => (reusable.has(file) ? linkOrCopy(join(dir, file.path), join(staging, file.path)) : writeOutputFile(join(staging, file.path), file, false)));
    if (replacing) await swapFolders(dir, staging);
    else await rename(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined); // the first error is the one to report
    throw withPathReplaced(error, staging, dir);
  }
}

/**
 * A mount point cannot be renamed, so its files are replaced where they are: each atomically,
 * stale entries first, the manifest last. A failure midway leaves a mix of old and new files
 * (each whole) under the old manifest; the next build completes it.
 */
async function updateInPlace(dir: string, files: OutputFile[], reusable: ReadonlySet<OutputFile>, stale: string[]): Promise<void> {
  // Stale entries first: one may stand where a produced file or folder goes.
  await forEachLimited(stale, (path) => rm(join(dir, path), { recursive: true, force: true }));
  await makeOutputFolders(dir, files);
  await placeFiles(files.filter((f) => !reusable.has(f)), (file) => writeOutputFile(join(dir, file.path), file, true));
}

async function isMountPoint(dir: string): Promise<boolean> {
  const [folder, parent] = await Promise.all([stat(dir), stat(dirname(dir))]);
  return folder.dev !== parent.dev;
}

/** Every file, the manifest last: a tree with its manifest is complete. */
async function placeFiles(files: OutputFile[], place: (file: OutputFile) => Promise<void>): Promise<void> {
  await forEachLimited(files.filter((f) => f.path !== MANIFEST), place);
  for (const manifest of files.filter((f) => f.path === MANIFEST)) await place(manifest);
}

/**
 * dir → its "old" name, staging → dir, then the old one goes. Between the two renames dir is
 * missing for an instant: a run killed just then leaves the old folder, which the next run
 * puts back (recoverInterruptedWrite).
 */
async function swapFolders(dir: string, staging: string): Promise<void> {
  const previous = `${dir}${PREVIOUS_MARK}${process.pid}`;
  await rm(previous, { recursive: true, force: true });
  await rename(dir, previous);
  try {
    await rename(staging, dir);
  } catch (error) {
    await rename(previous, dir);
    throw error;
  }
  await rm(previous, { recursive: true, force: true });
}

/**
 * Left beside dir by a run that was killed while writing (pid no longer running): a staging
 * folder is deleted, and a previous folder without dir beside it is the last complete output,
 * put back; with dir there it is deleted (it may hold keys).
 */
async function recoverInterruptedWrite(dir: string): Promise<void> {
  const name = basename(dir);
  const siblings = await readdir(dirname(dir)).catch(() => [] as string[]);
  for (const sibling of siblings.sort()) {
    const mark = [STAGING_MARK, PREVIOUS_MARK].find((m) => sibling.startsWith(`${name}${m}`));
    if (!mark) continue;
    const pid = Number(sibling.slice(name.length + mark.length));
    if (!Number.isInteger(pid) || isRunning(pid)) continue;
    const path = join(dirname(dir), sibling);
    if (mark === PREVIOUS_MARK && !(await exists(dir))) await rename(path, dir);
    else await rm(path, { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return false; // our own leftovers are from a run that already ended
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Every folder the files need, parents first (existing ones kept); a folder holding a secret file exactly 0700. */
async function makeOutputFolders(root: string, files: OutputFile[]): Promise<void> {
  const secretFolders = secretFoldersOf(files);
  const folders = [...new Set(files.flatMap((f) => ancestorsOf(f.path)))];
  const depth = (path: string) => path.split("/").length;
  for (const level of [...new Set(folders.map(depth))].sort((a, b) => a - b)) {
    await forEachLimited(folders.filter((f) => depth(f) === level), async (folder) => {
      const path = join(root, folder);
      const secret = secretFolders.has(folder);
      await mkdir(path, { mode: secret ? SECRET_FOLDER_MODE : OUTPUT_FOLDER_MODE }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw error;
      });
      if (secret) await chmod(path, SECRET_FOLDER_MODE); // the umask may have taken bits away (or left group bits on)
    });
  }
}

/** Regenerable output: no fsync. replacing: over an existing file, atomically; otherwise a new file. */
function writeOutputFile(path: string, file: OutputFile, replacing: boolean): Promise<void> {
  const write = { path, contents: file.content, mode: file.secret ? SECRET_FILE_MODE : OUTPUT_FILE_MODE, exactMode: file.secret, durable: false };
  return replacing ? writeFileAtomic(write) : writeNewFile(write);
}

/** A hard link keeps the file's inode and mtime; a file system without links gets a copy. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  await link(from, to).catch(() => copyFile(from, to));
}

function secretFoldersOf(files: OutputFile[]): Set<string> {
  return new Set(files.filter((f) => f.secret).map((f) => dirname(f.path)));
}

type Listing = ReadonlyMap<string, "file" | "folder" | "other">;

/** Every entry under dir by relative path; symbolic links are "other" and never followed. */
async function listTree(dir: string): Promise<Listing> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return new Map(
    entries.map((entry) => [relative(dir, join(entry.parentPath, entry.name)), entry.isFile() ? "file" : entry.isDirectory() ? "folder" : "other"] as const),
  );
}

/** The produced files already on disk as regular files with exactly these bytes and, for secrets, mode 0600. */
async function filesAlreadyRight(dir: string, files: OutputFile[], listing: Listing): Promise<Set<OutputFile>> {
  const right = new Set<OutputFile>();
  await forEachLimited(
    files.filter((f) => listing.get(f.path) === "file"),
    async (file) => {
      const path = join(dir, file.path);
      if (file.secret && ((await stat(path)).mode & 0o7777) !== SECRET_FILE_MODE) return;
      const existing = await readFile(path);
      if (existing.equals(typeof file.content === "string" ? Buffer.from(file.content) : file.content)) right.add(file);
    },
  );
  return right;
}

/** Folders holding a secret file whose mode is not exactly 0700 (output of an older etcdboot, or chmod'ed). */
async function secretFoldersNotPrivate(dir: string, files: OutputFile[], listing: Listing): Promise<string[]> {
  const loose: string[] = [];
  for (const folder of secretFoldersOf(files)) {
    if (listing.get(folder) !== "folder" || ((await stat(join(dir, folder))).mode & 0o7777) !== SECRET_FOLDER_MODE) loose.push(folder);
  }
  return loose;
}

/**
 * What is in dir but not produced: files, links and leftovers of interrupted runs, and whole
 * folders that hold no produced file (listed once, not with their contents).
 */
function entriesNotProduced(files: OutputFile[], listing: Listing): string[] {
  const producedFiles = new Set(files.map((f) => f.path));
  const neededFolders = new Set(files.flatMap((f) => ancestorsOf(f.path)));
  const stale = [...listing]
    .filter(([path, kind]) => (kind === "folder" ? !neededFolders.has(path) : !producedFiles.has(path) || kind === "other"))
    .map(([path]) => path)
    .sort();
  const staleFolders = new Set(stale);
  return stale.filter((path) => !ancestorsOf(path).some((folder) => staleFolders.has(folder)));
}

/** "hosts/etcd-1/user-data" → ["hosts", "hosts/etcd-1"] */
function ancestorsOf(path: string): string[] {
  const parts = path.split("/").slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}
