// Takes the etcd binaries out of a release tarball, in memory. Every entry's path is checked even
// though only a few are kept: an archive with absolute paths, ".." or links that point outside
// it is not a genuine release, whatever its checksum.

import { createReadStream } from "node:fs";
import { posix } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import { ReleaseError } from "./errors.js";

export interface ExtractedBinary {
  /** Permission bits from the archive, e.g. 0o755. */
  mode: number;
  data: Buffer;
}

/** The regular files <folder>/<name> for each of names, keyed by name. */
export async function extractBinaries(tarballPath: string, folder: string, names: string[]): Promise<Map<string, ExtractedBinary>> {
  const wanted = new Map(names.map((name) => [`${folder}/${name}`, name]));
  const found = new Map<string, ExtractedBinary>();
  const extract = tar.extract();
  // Large reads: a release is tens of MiB, and 64 KiB at a time means hundreds of round trips.
  const unpacking = pipeline(createReadStream(tarballPath, { highWaterMark: 2 ** 20 }), createGunzip({ chunkSize: 2 ** 20 }), extract);
  try {
    for await (const entry of extract) {
      const path = checkedPath(entry.header, tarballPath);
      const name = wanted.get(path);
      if (name === undefined) {
        entry.resume();
        continue;
      }
      if (entry.header.type !== "file") throw new ReleaseError(`${tarballPath}: ${path} is a ${entry.header.type}, not a regular file`);
      if (found.has(name)) throw new ReleaseError(`${tarballPath}: ${path} appears twice`);
      found.set(name, { mode: entry.header.mode & 0o7777, data: await readAll(entry, entry.header.size ?? 0) });
    }
    await unpacking;
  } catch (error) {
    unpacking.catch(() => {}); // already failing; the first error is the one to report
    if (error instanceof ReleaseError) throw error;
    throw new ReleaseError(`cannot unpack ${tarballPath}: ${(error as Error).message}`);
  }
  const missing = names.filter((name) => !found.has(name));
  if (missing.length > 0) throw new ReleaseError(`${tarballPath} has no ${missing.map((name) => `${folder}/${name}`).join(", ")}: is it an etcd release for this version?`);
  return found;
}

/** The entry's path without a leading "./"; refuses paths and link targets that leave the archive. */
export function checkedPath(header: tar.Header, tarballPath: string): string {
  const path = header.name.replace(/^(\.\/)+/, "").replace(/\/$/, "");
  const refuse = (why: string) => new ReleaseError(`${tarballPath}: refusing entry ${JSON.stringify(header.name)}: ${why}`);
  if (header.name.startsWith("/")) throw refuse("absolute path");
  if (path.split("/").includes("..")) throw refuse('".." in the path');
  const target = header.linkname ?? "";
  if (header.type === "symlink" && escapes(target, posix.dirname(path))) throw refuse(`symbolic link to ${JSON.stringify(target)} outside the archive`);
  if (header.type === "link" && escapes(target, ".")) throw refuse(`hard link to ${JSON.stringify(target)} outside the archive`);
  return path;
}

/** Whether target, relative to the folder `from` inside the archive, resolves outside the archive. */
function escapes(target: string, from: string): boolean {
  if (posix.isAbsolute(target)) return true;
  const resolved = posix.normalize(posix.join(from, target));
  return resolved === ".." || resolved.startsWith("../");
}

/** The entry's bytes, copied once into a buffer of the size its header gives (the tar reader holds entries to it). */
async function readAll(stream: AsyncIterable<unknown>, size: number): Promise<Buffer> {
  const data = Buffer.allocUnsafe(size);
  let filled = 0;
  for await (const chunk of stream) filled += (chunk as Buffer).copy(data, filled);
  if (filled !== size) throw new Error(`an entry holds ${filled} bytes, its header says ${size}`);
  return data;
}
