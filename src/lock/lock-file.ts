// The lock file beside a spec (cluster.yaml → cluster.lock.json) records, per etcd release used,
// the exact tarball and its SHA-256. `etcdboot pin` writes it; `build` pins first-boot
// downloads to it, so a host verifies against a hash fixed at build time, not the mirror's word.

import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { z } from "zod";
import { UserError } from "../errors.js";
import { ARCHS, type Arch, type Spec } from "../spec/types.js";

const lockedRelease = z.strictObject({
  version: z.string(),
  arch: z.enum(ARCHS),
  url: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
const lockSchema = z.strictObject({ lockVersion: z.literal(1), releases: z.array(lockedRelease) });

export type LockedRelease = z.infer<typeof lockedRelease>;
export interface Lock {
  releases: LockedRelease[];
}

export async function readLock(path: string): Promise<Lock | undefined> {
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw new UserError(`cannot read the lock file ${path}: ${error.message} (it should be a file written by etcdboot pin: fix or delete it)`);
  });
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${path} is not valid JSON (${(error as Error).message}): fix it, or delete it and run etcdboot pin`);
  }
  const parsed = lockSchema.safeParse(json);
  if (!parsed.success) throw new UserError(`${path} is not an etcdboot lock file: ${z.prettifyError(parsed.error)}\n(delete it and run etcdboot pin)`);
  return { releases: parsed.data.releases };
}

/** Sorted, so the same releases always give the same bytes. */
export function renderLock(lock: Lock): string {
  const releases = [...lock.releases].sort((a, b) => a.version.localeCompare(b.version) || a.arch.localeCompare(b.arch));
  return `${JSON.stringify({ lockVersion: 1, releases }, null, 2)}\n`;
}

export async function writeLock(path: string, lock: Lock): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, renderLock(lock));
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== "string") throw error;
    throw new UserError(`cannot write the lock file ${path}: ${(error as Error).message}: the folder of the spec must be writable (the lock goes beside it)`);
  }
}

export function lockedSha256(lock: Lock | undefined, version: string, arch: Arch): string | undefined {
  return lock?.releases.find((r) => r.version === version && r.arch === arch)?.sha256;
}

/** The archs whose release the spec's hosts need, in a stable order. */
export function archsInUse(spec: Spec): Arch[] {
  return ARCHS.filter((arch) => spec.hosts.some((host) => host.arch === arch));
}

export interface PinnedChecksums {
  spec: Spec;
  /** Archs in use with no checksum from the spec or the lock: their hosts trust SHA256SUMS at boot. */
  unpinned: Arch[];
}

/**
 * The spec with the lock's checksums applied. A checksum written in the spec wins only if it
 * agrees with the lock: two different pins for one file mean one of them is wrong.
 */
export function applyLock(spec: Spec, lock: Lock | undefined, lockPath: string): PinnedChecksums {
  const sha256: Spec["etcd"]["sha256"] = { ...spec.etcd.sha256 };
  const unpinned: Arch[] = [];
  for (const arch of archsInUse(spec)) {
    const locked = lockedSha256(lock, spec.etcd.version.text, arch);
    const written = spec.etcd.sha256[arch];
    if (written && locked && written !== locked)
      throw new UserError(`etcd.sha256.${arch} in the spec (${written}) differs from ${lockPath} (${locked}): fix the spec, or run etcdboot pin to check the release again`);
    const pin = written ?? locked;
    if (pin) sha256[arch] = pin;
    else unpinned.push(arch);
  }
  return { spec: { ...spec, etcd: { ...spec.etcd, sha256 } }, unpinned };
}
