// The file I/O the PKI needs beyond atomic writes (src/write/atomic-file.ts): optional reads,
// private folders and keys (made private when found open to others), and what is in the way.
import { constants } from "node:fs";
import { chmod, lstat, open, stat } from "node:fs/promises";
import { UserError } from "../errors.js";
import { makeFolders } from "../write/make-folders.js";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
export const PUBLIC_FILE_MODE = 0o644;
/** Group and other permission bits: none of them on anything that holds or guards a private key. */
const SHARED_BITS = 0o077;

/** Far more than any key or certificate (an RSA-4096 key is 3.3 KB): a bigger file is not one, and is not parsed. */
const MAX_PKI_FILE_BYTES = 64 * 1024;

/**
 * The file's text, or undefined when there is no such file. Anything else in its place (a folder,
 * a pipe that would block the build, a huge file) is the user's to move.
 */
export async function readIfExists(path: string, maxBytes = MAX_PKI_FILE_BYTES): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw pkiFileError(path, error as NodeJS.ErrnoException);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new UserError(`${path} is a folder, not a file: move it out of the way (or restore the file from a backup).`);
    if (!info.isFile()) throw new UserError(`${path} is not a regular file (a pipe, socket or device): move it out of the way (or restore the file from a backup).`);
    if (info.size > maxBytes) throw new UserError(`${path} is ${info.size} bytes, too large to be etcdboot's: restore it from a backup, or move it aside.`);
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

/** A UserError for what the user can fix about a PKI path (a file in the way, no permission); other errors as they are. */
function pkiFileError(path: string, error: NodeJS.ErrnoException): Error {
  if (error.code === "ENOTDIR") return new UserError(`A file is in the way of ${path}: one of its parent folders is a file. Move it out of the way.`);
  if (error.code === "EACCES" || error.code === "EPERM") return new UserError(`Cannot use ${path} (permission denied): run etcdboot as the PKI's owner, or give it back to them.`);
  return error;
}

/** Throws a UserError when something other than a folder (or a link to one) is at path; a missing path is fine. */
export async function assertFolderOrMissing(path: string): Promise<void> {
  const info = await stat(path).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw pkiFileError(path, error);
    if ((await lstat(path).catch(() => undefined)) === undefined) return undefined;
    throw new UserError(`${path} is a symbolic link to nothing: remove it, or restore what it points to.`);
  });
  if (info !== undefined && !info.isDirectory()) {
    throw new UserError(`${path} should be a folder of the PKI but is a file: move it out of the way (or restore the folder from a backup).`);
  }
}

/**
 * Creates the folder (and missing parents) readable by the owner only. An existing folder open to
 * group or others is tightened to 0700, with a note; one owned by another user is refused.
 */
export async function makePrivateDirectory(path: string, notes: string[]): Promise<void> {
  await assertFolderOrMissing(path);
  await makeFolders(path, PRIVATE_DIR_MODE);
  await keepPrivate(path, PRIVATE_DIR_MODE, notes);
}

/** A private key file open to group or others: tightened to 0600, with a note; refused when someone else owns it. */
export async function keepKeyPrivate(path: string, notes: string[]): Promise<void> {
  await keepPrivate(path, PRIVATE_FILE_MODE, notes);
}

async function keepPrivate(path: string, mode: number, notes: string[]): Promise<void> {
  const info = await stat(path);
  const current = info.mode & 0o777;
  if ((current & SHARED_BITS) === 0) return;
  const kind = info.isDirectory() ? "folder" : "key";
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && info.uid !== uid) {
    throw new UserError(`${path} (a PKI ${kind}) is readable by others (mode ${octal(current)}) and owned by another user (uid ${info.uid}): ask its owner to run chmod ${octal(mode)} ${path}.`);
  }
  await chmod(path, mode).catch((error: NodeJS.ErrnoException) => {
    throw pkiFileError(path, error);
  });
  notes.push(`${path} was open to other users (mode ${octal(current)}): made private (${octal(mode)}).`);
}

const octal = (mode: number) => `0${mode.toString(8)}`;
