// Write a cluster's output folder. A new folder is built beside its final name and renamed into
// place, so it appears whole. An existing one is updated file by file: only files whose bytes
// differ are replaced (each atomically: temporary file + rename), files no longer produced are
// deleted, and manifest.json goes last. An unchanged build writes nothing.

import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { MANIFEST, type OutputFile } from "../encoders/output-tree.js";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "./atomic-file.js";
import { forEachLimited } from "./concurrency.js";

const OUTPUT_FILE_MODE = 0o644;

export interface WriteResult {
  changed: boolean;
  /** Relative paths, in the order they were written (manifest.json last) and removed. */
  written: string[];
  removed: string[];
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Only ever replace a folder etcdboot wrote: a mistyped --out must not wipe someone's files. */
export async function assertReplaceableOutput(dir: string): Promise<void> {
  if ((await exists(dir)) && !(await exists(join(dir, MANIFEST))))
    throw new UserError(`${dir} exists and was not written by etcdboot (no ${MANIFEST}): choose another --out folder or remove it`);
}

export async function writeOutputTree(dir: string, files: OutputFile[]): Promise<WriteResult> {
  await assertReplaceableOutput(dir);
  return (await exists(dir)) ? updateFolder(dir, files) : createFolder(dir, files);
}

/** Every file written into a staging folder, which is then renamed to dir: dir never exists half-written. */
async function createFolder(dir: string, files: OutputFile[]): Promise<WriteResult> {
  const staging = `${dir}.etcdboot-new-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  try {
    const makeParent = parentMaker();
    await forEachLimited(files, async (file) => {
      const path = join(staging, file.path);
      await makeParent(path);
      await writeFile(path, file.content, { mode: OUTPUT_FILE_MODE });
    });
    await mkdir(dirname(dir), { recursive: true });
    await rename(staging, dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { changed: true, written: files.map((f) => f.path), removed: [] };
}

async function updateFolder(dir: string, files: OutputFile[]): Promise<WriteResult> {
  const [differing, stale] = await Promise.all([filesThatDiffer(dir, files), entriesNotProduced(dir, files)]);
  const manifest = differing.filter((f) => f.path === MANIFEST);
  const others = differing.filter((f) => f.path !== MANIFEST);
  const makeParent = parentMaker();
  // Stale entries first: one may stand where a produced file goes (a folder named like a file).
  await forEachLimited(stale, (path) => rm(join(dir, path), { recursive: true, force: true }));
  await forEachLimited(others, async (file) => {
    const path = join(dir, file.path);
    await makeParent(path);
    await replaceFile(path, file);
  });
  // Last: until the manifest is replaced, the folder still says what the previous build made.
  for (const file of manifest) await replaceFile(join(dir, file.path), file);
  const written = [...others, ...manifest].map((f) => f.path);
  return { changed: written.length > 0 || stale.length > 0, written, removed: stale };
}

/** Regenerable output: the umask applies, as when the folder was made, and no fsync. */
function replaceFile(path: string, file: OutputFile): Promise<void> {
  return writeFileAtomic({ path, contents: file.content, mode: OUTPUT_FILE_MODE, exactMode: false, durable: false });
}

/** The files whose bytes on disk are not exactly these (or that are missing), in the given order. */
async function filesThatDiffer(dir: string, files: OutputFile[]): Promise<OutputFile[]> {
  const differs = new Set<OutputFile>();
  await forEachLimited(files, async (file) => {
    const existing = await readFile(join(dir, file.path)).catch(() => undefined);
    if (!existing?.equals(typeof file.content === "string" ? Buffer.from(file.content) : file.content)) differs.add(file);
  });
  return files.filter((file) => differs.has(file));
}

/**
 * What is in dir but not produced: files, links and leftovers of interrupted runs, and whole
 * folders that hold no produced file (listed once, not with their contents).
 */
async function entriesNotProduced(dir: string, files: OutputFile[]): Promise<string[]> {
  const producedFiles = new Set(files.map((f) => f.path));
  const neededFolders = new Set(files.flatMap((f) => ancestorsOf(f.path)));
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const stale = entries
    .map((entry) => ({ path: relative(dir, join(entry.parentPath, entry.name)), isFolder: entry.isDirectory() }))
    .filter(({ path, isFolder }) => (isFolder ? !neededFolders.has(path) : !producedFiles.has(path)))
    .map(({ path }) => path)
    .sort();
  const staleFolders = new Set(stale);
  return stale.filter((path) => !ancestorsOf(path).some((folder) => staleFolders.has(folder)));
}

/** "hosts/etcd-1/user-data" → ["hosts", "hosts/etcd-1"] */
function ancestorsOf(path: string): string[] {
  const parts = path.split("/").slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

/** mkdir -p for a file's folder, once per folder per build. */
function parentMaker(): (path: string) => Promise<void> {
  const made = new Map<string, Promise<unknown>>();
  return async (path) => {
    const folder = dirname(path);
    if (!made.has(folder)) made.set(folder, mkdir(folder, { recursive: true }));
    await made.get(folder);
  };
}
