// One file replaced in one step: written to a temporary name beside it, then renamed over it.
// Readers see the old contents or the new, never half a file.
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { withPath, withPathReplaced } from "./error-paths.js";

export interface AtomicWrite {
  path: string;
  contents: string | Uint8Array;
  /** Given to open(), so the file never has more permissions than this, even for an instant. */
  mode: number;
  /** Exactly `mode` whatever the umask (keys and certificates); otherwise the umask applies, as to any new file. */
  exactMode: boolean;
  /** fsync before the rename, so after a crash the file holds the old bytes or the new (keys: yes; regenerable output: no). */
  durable: boolean;
}

export async function writeFileAtomic(write: AtomicWrite): Promise<void> {
  const { path } = write;
  // Starts with "." and ends in ".tmp": an interrupted run leaves only recognisable litter.
  const temporaryPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeNewFile({ ...write, path: temporaryPath });
    await rename(temporaryPath, path);
  } catch (error) {
    await rm(temporaryPath, { force: true }).catch(() => undefined); // the first error is the one to report
    throw withPathReplaced(error, temporaryPath, path);
  }
}

/** Creates path (which must not exist yet) with these bytes; on failure the caller removes it. */
export async function writeNewFile({ path, contents, mode, exactMode, durable }: AtomicWrite): Promise<void> {
  const handle = await open(path, "wx", mode);
  try {
    if (exactMode) await handle.chmod(mode); // the umask may have taken bits away from the mode given to open
    await handle.writeFile(contents);
    if (durable) await handle.sync();
  } catch (error) {
    throw withPath(error, path);
  } finally {
    await handle.close();
  }
}
