// Reads a .tar.gz back with tar-stream and lists every entry as one line:
// "<type> <mode> <uid>:<gid> <path>[ -> target][ sha256=<hex>]", in archive order.

import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import tar from "tar-stream";

export interface ArchiveListingEntry {
  path: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkname?: string;
  content?: Buffer;
}

export async function readTarGz(archive: Uint8Array): Promise<ArchiveListingEntry[]> {
  const extract = tar.extract();
  const entries: ArchiveListingEntry[] = [];
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on("end", () => {
        entries.push({
          path: header.name,
          type: header.type ?? "file",
          mode: header.mode ?? 0,
          uid: header.uid ?? 0,
          gid: header.gid ?? 0,
          mtime: header.mtime?.getTime() ?? 0,
          ...(header.linkname ? { linkname: header.linkname } : {}),
          ...(header.type === "file" ? { content: Buffer.concat(chunks) } : {}),
        });
        next();
      });
      stream.resume();
    });
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  extract.end(gunzipSync(archive));
  await done;
  return entries;
}

export function listingLine(entry: ArchiveListingEntry): string {
  const mode = entry.mode.toString(8).padStart(4, "0");
  const link = entry.linkname ? ` -> ${entry.linkname}` : "";
  const digest = entry.content ? ` sha256=${createHash("sha256").update(entry.content).digest("hex")}` : "";
  return `${entry.type} ${mode} ${entry.uid}:${entry.gid} ${entry.path}${link}${digest}`;
}

export async function archiveListing(archive: Uint8Array): Promise<string> {
  return `${(await readTarGz(archive)).map(listingLine).join("\n")}\n`;
}
