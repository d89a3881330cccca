// Checks on the folders a build writes to, made before anything is written: a refused build
// must leave the PKI untouched, so these cannot wait for the first write to fail.

import { lstat, realpath, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { UsageError, UserError } from "../errors.js";

/**
 * The nearest part of path that exists, and the part below it that does not (yet). A symbolic
 * link that leads nowhere (a missing target, a loop) is an error: nothing could be made through it.
 */
async function nearestExisting(path: string): Promise<{ existing: string; missing: string[] }> {
  const missing: string[] = [];
  for (let at = resolve(path); ; at = dirname(at)) {
    const entry = await lstat(at).catch(() => undefined);
    if (entry?.isSymbolicLink() && !(await stat(at).then(() => true, () => false)))
      throw new UserError(`${at} is a symbolic link that leads nowhere (its target is missing, or it loops): point it at a folder or remove it`);
    if (entry !== undefined || dirname(at) === at) return { existing: at, missing };
    missing.unshift(basename(at));
  }
}

/** path as it will be once made: symbolic links in its existing part resolved. */
async function realPathToBe(path: string): Promise<string> {
  const { existing, missing } = await nearestExisting(path);
  return join(await realpath(existing), ...missing);
}

function isSameOrInside(inner: string, outer: string): boolean {
  const path = relative(outer, inner);
  return path === "" || (!isAbsolute(path) && path.split(sep)[0] !== "..");
}

/**
 * --out and --pki must not overlap: keys inside the output folder would be handed out with the
 * artifacts (and deleted by its clean-up as files it did not produce), and output inside the PKI
 * folder mixes what is shared with what is kept private.
 */
export async function refuseOverlappingFolders(outRoot: string, pkiRoot: string): Promise<void> {
  const [out, pki] = await Promise.all([realPathToBe(outRoot), realPathToBe(pkiRoot)]);
  const problem =
    out === pki ? "are the same folder" : isSameOrInside(pki, out) ? "overlap: the PKI folder is inside the output folder" : isSameOrInside(out, pki) ? "overlap: the output folder is inside the PKI folder" : undefined;
  if (problem === undefined) return;
  const shown = (given: string, real: string) => (resolve(given) === real ? given : `${given} (${real})`);
  throw new UsageError(`--out ${shown(outRoot, out)} and --pki ${shown(pkiRoot, pki)} ${problem}: keys must never sit among the artifacts you hand out; give them separate folders, e.g. --out output --pki pki`);
}

/** dir is a folder or can be made one: neither it nor any existing parent is a file. */
export async function assertFolderOrAbsent(dir: string, option: string): Promise<void> {
  const { existing } = await nearestExisting(dir);
  if (!(await stat(existing)).isDirectory())
    throw new UserError(`${existing} is a file, not a folder, so ${option} cannot write ${dir}: choose another ${option} folder or move the file aside`);
}
