// `etcdboot init`: copy the commented starter spec to a new file, never over an existing one.
// Parent folders are not created: a mistyped path should fail, not leave folders behind.

import { copyFile, constants as fsConstants, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { UserError } from "../errors.js";
import { PROFILES_DIR } from "../paths.js";

const STARTER = join(PROFILES_DIR, "starter.yaml");

export async function writeStarterSpec(file: string): Promise<void> {
  try {
    await copyFile(STARTER, file, fsConstants.COPYFILE_EXCL);
  } catch (error) {
    // The starter spec missing is a broken installation: a bug, not the user's to fix.
    if ((await stat(STARTER).catch(() => undefined)) === undefined) throw error;
    throw await explainWriteError(file, error as NodeJS.ErrnoException);
  }
}

async function explainWriteError(file: string, error: NodeJS.ErrnoException): Promise<Error> {
  if (error.code === "EEXIST") {
    const isFolder = (await stat(file).catch(() => undefined))?.isDirectory() === true;
    return new UserError(
      isFolder ? `${file} is a folder: give a file name, such as ${join(file, "cluster.yaml")}` : `${file} already exists: not overwriting it (choose another name or remove it)`,
    );
  }
  const folder = dirname(file);
  const parent = await stat(folder).catch((e: NodeJS.ErrnoException) => e);
  if (parent instanceof Error) {
    if (parent.code === "ENOENT") return new UserError(`folder ${folder} does not exist: create it first (mkdir -p ${folder}), then run etcdboot init again`);
    return new UserError(`cannot write ${file}: ${folder} is not a usable folder (${parent.message})`);
  }
  if (!parent.isDirectory()) return new UserError(`cannot write ${file}: ${folder} is not a folder`);
  // "EACCES: permission denied, copyfile 'starter' -> 'file'": the reason, without our source path.
  if (typeof error.code === "string") return new UserError(`cannot write ${file}: ${error.message.split(", copyfile")[0]}`);
  return error;
}
