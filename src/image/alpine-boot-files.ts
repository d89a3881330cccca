// The files of Alpine's Raspberry Pi release tarball, which go as they are onto the boot
// partition. Read twice, streaming, never whole: once for names and sizes (the FAT layout needs
// them all before any byte is placed), once for the bytes.

import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import { UserError } from "../errors.js";
import { ReleaseError } from "../release/errors.js";
import { checkedPath } from "../release/extract.js";
import { checkFatName } from "./fat32.js";

export interface BootFile {
  /** Path inside the tarball and on the boot partition, e.g. "boot/vmlinuz-rpi". */
  path: string;
  size: number;
}

/** An overlay the release may carry at its top level: the host's own must be the only one. */
export const OVERLAY_AT_TOP = /^[^/]*\.apkovl\.tar\.gz$/;

/** Calls visit for every regular file that goes onto the boot partition, in the tarball's order. */
async function walkTarball(tarballPath: string, label: string, visit: (file: BootFile, bytes: AsyncIterable<Buffer>) => Promise<void>): Promise<void> {
  const extract = tar.extract();
  const unpacking = pipeline(createReadStream(tarballPath, { highWaterMark: 2 ** 20 }), createGunzip({ chunkSize: 2 ** 20 }), extract);
  try {
    for await (const entry of extract) {
      const path = checkedPath(entry.header, label);
      const type = entry.header.type;
      if (type === "directory" || path === "" || OVERLAY_AT_TOP.test(path)) {
        entry.resume();
        continue;
      }
      if (type !== "file" && type !== "contiguous-file")
        throw new ReleaseError(`${label}: ${path} is a ${type}, which a FAT boot partition cannot hold: is this Alpine's Raspberry Pi release?`);
      for (const segment of path.split("/")) checkFatName(segment, `${label}: ${path}`);
      await visit({ path, size: entry.header.size ?? 0 }, entry as AsyncIterable<Buffer>);
    }
    await unpacking;
  } catch (error) {
    unpacking.catch(() => {}); // already failing; the first error is the one to report
    if (error instanceof UserError) throw error;
    throw new ReleaseError(`cannot unpack ${label}: ${(error as Error).message}: is it Alpine's Raspberry Pi release?`);
  }
}

/** Every boot file with its size; refuses a tarball that is not shaped like Alpine's rpi release. label names it in messages. */
export async function listBootFiles(tarballPath: string, label: string): Promise<BootFile[]> {
  const files: BootFile[] = [];
  await walkTarball(tarballPath, label, async (file, bytes) => {
    for await (const _ of bytes); // drained: only the header is needed now
    files.push(file);
  });
  const paths = new Set(files.map((f) => f.path));
  const missing = [".alpine-release", "cmdline.txt", "config.txt"].filter((p) => !paths.has(p));
  if (!files.some((f) => f.path.startsWith("boot/"))) missing.push("boot/");
  if (missing.length > 0) throw new ReleaseError(`${label} has no ${missing.join(", ")}: it is not Alpine's Raspberry Pi release (alpine-rpi-<version>-aarch64.tar.gz)`);
  return files;
}

/** Streams every boot file's bytes to visit. label names the tarball in messages (it is read from the cache). */
export function readBootFiles(tarballPath: string, label: string, visit: (file: BootFile, bytes: AsyncIterable<Buffer>) => Promise<void>): Promise<void> {
  return walkTarball(tarballPath, label, visit);
}
