// Write a cluster's output folder all at once: build it beside the old one, then swap.
// An interrupted build leaves the previous output in place; an unchanged build writes nothing.

import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { MANIFEST, type OutputFile } from "../encoders/output-tree.js";
import { UserError } from "../errors.js";

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  return readFile(path).catch(() => undefined);
}

/** Identical when every file, the manifest included, already has exactly these bytes. */
async function isUpToDate(dir: string, files: OutputFile[]): Promise<boolean> {
  for (const file of files) {
    const existing = await readIfExists(join(dir, file.path));
    if (!existing?.equals(Buffer.from(file.content))) return false;
  }
  return true;
}

export interface WriteResult {
  changed: boolean;
}

/** Only ever replace a folder etcdboot wrote: a mistyped --out must not wipe someone's files. */
export async function assertReplaceableOutput(dir: string): Promise<void> {
  if ((await exists(dir)) && !(await exists(join(dir, MANIFEST))))
    throw new UserError(`${dir} exists and was not written by etcdboot (no ${MANIFEST}): choose another --out folder or remove it`);
}

export async function writeOutputTree(dir: string, files: OutputFile[]): Promise<WriteResult> {
  await assertReplaceableOutput(dir);
  if ((await exists(dir)) && (await isUpToDate(dir, files))) return { changed: false };
  const staging = `${dir}.etcdboot-new-${process.pid}`;
  const retired = `${dir}.etcdboot-old-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  try {
    for (const file of files) {
      const path = join(staging, file.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, file.content, { mode: 0o644 });
    }
    await mkdir(dirname(dir), { recursive: true });
    const hadOutput = await exists(dir);
    if (hadOutput) await rename(dir, retired);
    await rename(staging, dir);
    if (hadOutput) await rm(retired, { recursive: true, force: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { changed: true };
}
