// The little file I/O the PKI needs: optional reads, private folders and atomic writes.
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
export const PUBLIC_FILE_MODE = 0o644;

export interface FileWrite {
  path: string;
  contents: string;
  mode: number;
}

/** The file's text, or undefined when there is no such file. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Creates the folder (and missing parents) readable by the owner only; an existing folder is left alone. */
export async function makePrivateDirectory(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Replaces the file in one step: readers see the old contents or the new, never half a key.
 * The temporary file is created with the final mode, so a key is never readable by others.
 */
export async function writeFileAtomic({ path, contents, mode }: FileWrite): Promise<void> {
  const temporaryPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temporaryPath, "wx", mode);
    try {
      await handle.chmod(mode); // the umask may have taken bits away from the mode given to open
      await handle.writeFile(contents, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporaryPath, path);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  }
}
