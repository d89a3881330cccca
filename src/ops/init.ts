// `etcdboot init`: write the commented starter spec to a new file, never over an existing one.
// Its first line points YAML language servers (VS Code and others) at the spec's JSON Schema in
// this installation, so an editor completes and checks the spec as it is written.
// Parent folders are not created: a mistyped path should fail, not leave folders behind.

import { readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { UserError } from "../errors.js";
import { PACKAGE_DIR, PROFILES_DIR } from "../paths.js";
import { SCHEMA_FILE_NAME } from "../spec/json-schema.js";

const STARTER = join(PROFILES_DIR, "starter.yaml");
/** Shipped in the package (package.json "files"); `npm run schema` writes it. */
export const SHIPPED_SCHEMA = join(PACKAGE_DIR, "schema", SCHEMA_FILE_NAME);

/** The modeline yaml-language-server reads; a file URL, whose encoding keeps any path on one line. */
export function schemaModeline(schemaPath: string): string {
  return `# yaml-language-server: $schema=${pathToFileURL(schemaPath).href}`;
}

export async function writeStarterSpec(file: string): Promise<void> {
  // The starter spec missing is a broken installation: a bug, not the user's to fix (so not caught).
  const text = `${schemaModeline(SHIPPED_SCHEMA)}\n${await readFile(STARTER, "utf8")}`;
  try {
    await writeFile(file, text, { flag: "wx" });
  } catch (error) {
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
  // "EACCES: permission denied, open '…'": the reason; the file is named already.
  if (typeof error.code === "string") return new UserError(`cannot write ${file}: ${error.message.split(", open '")[0]}`);
  return error;
}
