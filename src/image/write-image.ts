// Writes an SD card image and its boot-files zip, streaming: the image file is made sparse at its
// full size, then the layout's regions and each boot file are written at their offsets, chunk by
// chunk as the tarball is unpacked (the zip is fed the same chunks). Both are written under temporary names,
// 0600 (the overlay holds the host's key), and renamed into place only when whole; Ctrl-C, kill
// or an error leaves neither.

import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { open, rename, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { PassThrough } from "node:stream";
import { finished } from "node:stream/promises";
import { ZipArchive } from "archiver";
import type { ProgressReporter } from "../release/progress.js";
import { withPath, withPathReplaced } from "../write/error-paths.js";
import { withPathRemoved } from "../write/scratch-folder.js";
import { readBootFiles } from "./alpine-boot-files.js";
import { FIXED_EPOCH_SECONDS } from "./regions.js";
import type { SdImageLayout } from "./sd-layout.js";

export interface SdImageWrite {
  imagePath: string;
  zipPath: string;
  layout: SdImageLayout;
  tarballPath: string;
  /** The release's own name, for messages (tarballPath is its copy in the cache). */
  tarballName: string;
  /** The host's overlay: its name on the boot partition and where it is now. */
  overlay: { name: string; path: string };
  /** Bytes of every boot file and the overlay together, for the progress line. */
  contentBytes: number;
  progress: ProgressReporter;
}

const SECRET_MODE = 0o600;
const FIXED_DATE = new Date(FIXED_EPOCH_SECONDS * 1000);
/** Most of a release (packages, modloop, initramfs) is compressed already: deflating it again only costs time. */
const ALREADY_COMPRESSED = /(\.(gz|apk|xz|zst|zip)|\/modloop-[^/]*|\/initramfs-[^/]*)$/;

function stagedPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
}

/** A zip fed one entry at a time: the next is added only once the last is compressed. */
class BootZip {
  private readonly archive = new ZipArchive({ zlib: { level: 9 } });
  private readonly output;
  private readonly done: Promise<void>;
  private readonly failed: Promise<never>;

  constructor(path: string) {
    this.output = createWriteStream(path, { flags: "wx", mode: SECRET_MODE });
    this.archive.pipe(this.output);
    this.done = finished(this.output);
    this.failed = new Promise<never>((_, reject) => this.archive.on("error", reject));
    for (const pending of [this.done, this.failed]) pending.catch(() => {}); // reported by add() or close()
  }

  /** Adds one entry whose bytes are written to the returned sink; end() resolves once the zip has it all. */
  open(name: string): { write(chunk: Buffer): Promise<void>; end(): Promise<void> } {
    const entry = new PassThrough();
    const added = new Promise<void>((resolve) => this.archive.once("entry", () => resolve()));
    this.archive.append(entry, { name, date: FIXED_DATE, mode: 0o644, store: ALREADY_COMPRESSED.test(name) });
    return {
      // The previous entry is done, so the zip reads this one now: waiting for drain keeps one chunk in memory, not the file.
      write: async (chunk) => {
        if (!entry.write(chunk)) await Promise.race([once(entry, "drain"), this.failed]);
      },
      end: async () => {
        entry.end();
        await Promise.race([added, this.failed]);
      },
    };
  }

  async close(): Promise<void> {
    await Promise.race([this.archive.finalize(), this.failed]);
    await this.done;
  }
}

async function writeAt(handle: FileHandle, bytes: Uint8Array, offset: number, path: string): Promise<void> {
  await handle.write(bytes, 0, bytes.length, offset).catch((error: unknown) => {
    throw withPath(error, path);
  });
}

export async function writeSdImage(write: SdImageWrite): Promise<void> {
  const imageTemp = stagedPath(write.imagePath);
  const zipTemp = stagedPath(write.zipPath);
  await withPathRemoved(imageTemp, () =>
    withPathRemoved(zipTemp, async () => {
      await writeImageAndZip(write, imageTemp, zipTemp).catch((error: unknown) => {
        throw withPathReplaced(withPathReplaced(error, imageTemp, write.imagePath), zipTemp, write.zipPath);
      });
      await rename(zipTemp, write.zipPath);
      await rename(imageTemp, write.imagePath);
    }),
  );
}

async function writeImageAndZip(write: SdImageWrite, imageTemp: string, zipTemp: string): Promise<void> {
  const { layout } = write;
  const handle = await open(imageTemp, "wx", SECRET_MODE);
  const zip = new BootZip(zipTemp);
  const task = write.progress.start(basename(write.imagePath), write.contentBytes);
  try {
    await handle.chmod(SECRET_MODE); // whatever the umask
    await handle.truncate(layout.totalBytes); // sparse: what no region or file covers reads as zeros
    for (const region of layout.regions) await writeAt(handle, region.bytes, region.offset, imageTemp);
    // Each file's chunks go to its place in the image and into the zip as they arrive.
    const place = async (path: string, chunks: AsyncIterable<Buffer>) => {
      let offset = layout.fileOffsets.get(path) ?? 0;
      const entry = zip.open(path);
      for await (const chunk of chunks) {
        await writeAt(handle, chunk, offset, imageTemp);
        await entry.write(chunk);
        offset += chunk.length;
        task.advance(chunk.length);
      }
      await entry.end();
    };
    await readBootFiles(write.tarballPath, write.tarballName, (file, chunks) => place(file.path, chunks));
    await place(write.overlay.name, createReadStream(write.overlay.path));
    await handle.sync();
    await zip.close();
    task.done();
  } catch (error) {
    task.fail((error as Error).message);
    throw error;
  } finally {
    await handle.close();
  }
}
