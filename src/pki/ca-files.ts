// The CA's key and certificate on disk, which must always agree, whatever stops a build.
// A new pair is first written whole to staged names (key, then certificate: a staged certificate
// means the staged pair is complete), then renamed into place, key first. A later build that
// finds a staged certificate finishes the move if the pair agrees; a staged key alone is an
// unfinished staging and is dropped. Under the PKI folder's lock, so no two builds do this at once.
import { link, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic, type AtomicWrite } from "../write/atomic-file.js";
import { readCertificate } from "./certificates.js";
import { PRIVATE_FILE_MODE, PUBLIC_FILE_MODE, readIfExists } from "./files.js";
import { readKeyPair } from "./keys.js";
import { pkiPaths } from "./types.js";

/** Keys and certificates get exactly their mode and reach the disk before they replace the old ones. */
export const privateWrite = (path: string, contents: string): AtomicWrite => ({ path, contents, mode: PRIVATE_FILE_MODE, exactMode: true, durable: true });
export const publicWrite = (path: string, contents: string): AtomicWrite => ({ path, contents, mode: PUBLIC_FILE_MODE, exactMode: true, durable: true });

/** Completes or drops a CA replacement that an earlier build left half-done; says which in notes. */
export async function recoverStagedCa(dir: string, notes: string[]): Promise<void> {
  const [stagedCertPath, stagedKeyPath, keyPath] = [pkiPaths.stagedCaCert, pkiPaths.stagedCaKey, pkiPaths.caKey].map((name) => join(dir, name)) as [string, string, string];
  const stagedCert = await readIfExists(stagedCertPath);
  const stagedKey = await readIfExists(stagedKeyPath);
  if (stagedCert === undefined) {
    if (stagedKey === undefined) return;
    await rm(stagedKeyPath, { force: true });
    notes.push(`${stagedKeyPath}: an interrupted build had begun writing a new CA; removed it (the CA in place is unchanged).`);
    return;
  }
  // The staged certificate's key is still staged, or was already renamed into place.
  const key = stagedKey ?? (await readIfExists(keyPath));
  if (key !== undefined && pairAgrees(stagedCert, key)) {
    if (stagedKey !== undefined) await rename(stagedKeyPath, keyPath);
    await rename(stagedCertPath, join(dir, pkiPaths.caCert));
    notes.push(`${dir}: an interrupted build had written a new CA but not put it in place; finished putting it in place.`);
    return;
  }
  await rm(stagedCertPath, { force: true });
  await rm(stagedKeyPath, { force: true });
  notes.push(`${stagedCertPath}: a new CA an interrupted build left does not agree with its key; removed it (the CA in place is unchanged).`);
}

function pairAgrees(certPem: string, keyPem: string): boolean {
  try {
    return readCertificate(certPem).spki.equals(readKeyPair(keyPem).spki);
  } catch {
    return false;
  }
}

/**
 * Puts a new CA in place: staged first, then renamed (see above). With archiveStamp, the CA it
 * replaces is kept first under ca.<stamp>.crt/.key (hard links: the bytes are never copied).
 * Returns the archived paths.
 */
export async function commitCa(dir: string, keyPem: string, certPem: string, archiveStamp: string | undefined): Promise<string[]> {
  const stagedKeyPath = join(dir, pkiPaths.stagedCaKey);
  const stagedCertPath = join(dir, pkiPaths.stagedCaCert);
  await writeFileAtomic(privateWrite(stagedKeyPath, keyPem));
  await writeFileAtomic(publicWrite(stagedCertPath, certPem));
  const archived = archiveStamp === undefined ? [] : await archiveCa(dir, archiveStamp);
  await rename(stagedKeyPath, join(dir, pkiPaths.caKey));
  await rename(stagedCertPath, join(dir, pkiPaths.caCert));
  return archived;
}

/** Keeps the CA in place under dated names; a name taken (two replacements in one second) gets a counter. */
async function archiveCa(dir: string, stamp: string): Promise<string[]> {
  const present = [];
  for (const [name, archived] of [
    [pkiPaths.caCert, pkiPaths.archivedCaCert],
    [pkiPaths.caKey, pkiPaths.archivedCaKey],
  ] as const) {
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info?.isFile()) present.push({ from: join(dir, name), archived });
  }
  for (let attempt = 1; ; attempt++) {
    const suffix = attempt === 1 ? stamp : `${stamp}-${attempt}`;
    const targets = present.map(({ from, archived }) => ({ from, to: join(dir, archived(suffix)) }));
    const taken = await Promise.all(targets.map(({ to }) => stat(to).then(() => true, () => false)));
    if (taken.some(Boolean)) continue;
    for (const { from, to } of targets) await link(from, to);
    return targets.map(({ to }) => to);
  }
}

/** 2026-12-03T11:23:49Z → 20261203T112349Z: sorts by time, no characters that need quoting. */
export function archiveStampOf(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "");
}
