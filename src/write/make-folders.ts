// mkdir -p, written out. Node's own (mkdir with recursive: true) loops for ever where mkdir
// answers ENOENT for a parent that exists (/proc, some FUSE and network file systems); here that
// answer is an error like any other. Only node: modules: the up-to-date check and the lock use it.

import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/** Makes path and its missing parents, each with mode (less the umask); an existing folder is left alone. */
export async function makeFolders(path: string, mode = 0o777): Promise<void> {
  const missing: string[] = [];
  for (let folder = resolve(path); ; folder = dirname(folder)) {
    const info = await stat(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (info && !info.isDirectory())
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${folder}'`), { code: "ENOTDIR", errno: -20, syscall: "mkdir", path: folder });
    if (info || dirname(folder) === folder) break;
    missing.push(folder);
  }
  for (const folder of missing.reverse()) {
    await mkdir(folder, { mode }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error; // made meanwhile by another build: fine
    });
  }
}
