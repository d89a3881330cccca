// The download cache: content-addressed blobs plus an index from source URL to content.
//   <dir>/sha256/<hex>          a verified file, read-only, named by its SHA-256
//   <dir>/urls/<sha256 of URL>  "<hex>\n<URL>\n": what that URL served when it was verified
//   <dir>/tmp/<uuid>.part       downloads in progress (same file system, so rename is atomic)
// Everything becomes visible by rename, so a reader (in this or another process) sees a whole
// verified file or nothing; two processes storing the same blob both rename identical bytes.

import { randomUUID } from "node:crypto";
import { chmod, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SHA256_HEX, sha256Hex, sha256OfFile } from "./hash.js";
import { makeFolders } from "../write/make-folders.js";

/** Temp files older than this were left by a process that died; nobody will finish them. */
const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;

export class ReleaseCache {
  constructor(readonly dir: string) {}

  blobPath(sha256: string): string {
    return join(this.dir, "sha256", sha256);
  }

  indexPath(url: string): string {
    return join(this.dir, "urls", sha256Hex(url));
  }

  /** The SHA-256 recorded for url, if any. */
  async shaForUrl(url: string): Promise<string | undefined> {
    const text = await readFile(this.indexPath(url), "utf8").catch(ignoreMissing);
    const sha256 = text?.split("\n")[0];
    return sha256 !== undefined && SHA256_HEX.test(sha256) ? sha256 : undefined;
  }

  /** The blob's path when it is present and still hashes to its name; a damaged blob is removed. */
  async intactBlob(sha256: string): Promise<string | undefined> {
    const path = this.blobPath(sha256);
    const actual = await sha256OfFile(path).catch(ignoreMissing);
    if (actual === sha256) return path;
    if (actual !== undefined) await rm(path, { force: true });
    return undefined;
  }

  /** A fresh path for a download in progress; the caller creates the file and removes it on failure. */
  async newTempPath(): Promise<string> {
    const tmp = join(this.dir, "tmp");
    await makeFolders(tmp);
    return join(tmp, `${randomUUID()}.part`);
  }

  /** Moves a verified temp file into place as the blob sha256 and records that url served it. */
  async addFile(tempPath: string, sha256: string, url: string): Promise<string> {
    const path = this.blobPath(sha256);
    await chmod(tempPath, 0o444);
    await makeFolders(join(this.dir, "sha256"));
    await rename(tempPath, path);
    await this.remember(url, sha256);
    return path;
  }

  async addBuffer(data: Uint8Array, sha256: string, url: string): Promise<string> {
    const tempPath = await this.newTempPath();
    try {
      await writeFile(tempPath, data, { flag: "wx" });
      return await this.addFile(tempPath, sha256, url);
    } finally {
      await rm(tempPath, { force: true });
    }
  }

  async remember(url: string, sha256: string): Promise<void> {
    const tempPath = await this.newTempPath();
    try {
      await writeFile(tempPath, `${sha256}\n${url}\n`, { flag: "wx" });
      await makeFolders(join(this.dir, "urls"));
      await rename(tempPath, this.indexPath(url));
    } finally {
      await rm(tempPath, { force: true });
    }
  }

  /** Removes temp files that crashed processes left behind (best effort). */
  async removeAbandonedTempFiles(now = Date.now()): Promise<void> {
    const tmp = join(this.dir, "tmp");
    const names = (await readdir(tmp).catch(ignoreMissing)) ?? [];
    for (const name of names) {
      const path = join(tmp, name);
      const info = await stat(path).catch(ignoreMissing);
      if (info && now - info.mtimeMs > ABANDONED_AFTER_MS) await rm(path, { force: true });
    }
  }
}

function ignoreMissing(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
  throw error;
}
