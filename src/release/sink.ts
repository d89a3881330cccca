// Where downloaded bytes go. Sinks only append (that is what lets a transfer resume with a Range
// request) or start over, and hash as they go, so a download is verified without reading it twice.

import { createHash, type Hash } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";
import { DownloadError } from "./errors.js";

export interface DownloadSink {
  /** Bytes received so far: where a resumed transfer goes on from. */
  readonly size: number;
  /** The source said how big the whole file is (undefined: it did not say). */
  expectSize(totalBytes: number | undefined): void;
  write(chunk: Buffer): Promise<void>;
  /** Discards everything received: the transfer starts over. */
  restart(): Promise<void>;
}

abstract class HashingSink implements DownloadSink {
  #hash: Hash = createHash("sha256");
  #size = 0;

  get size(): number {
    return this.#size;
  }

  expectSize(_totalBytes: number | undefined): void {}

  async write(chunk: Buffer): Promise<void> {
    const stored = this.store(chunk, this.#size);
    // Hashing while the file write runs on libuv's thread pool. A failed store ends the download
    // for good, so the hash running ahead of it does no harm.
    this.#hash.update(chunk);
    this.#size += chunk.length;
    await stored;
  }

  async restart(): Promise<void> {
    await this.clear();
    this.#hash = createHash("sha256");
    this.#size = 0;
  }

  /** Hex SHA-256 of the bytes received so far. */
  sha256(): string {
    return this.#hash.copy().digest("hex");
  }

  protected abstract store(chunk: Buffer, offset: number): Promise<void>;
  protected abstract clear(): Promise<void>;
}

export class FileSink extends HashingSink {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {
    super();
  }

  /** Creates path, which must not exist yet. */
  static async create(path: string): Promise<FileSink> {
    return new FileSink(path, await open(path, "wx", 0o644));
  }

  protected async store(chunk: Buffer, offset: number): Promise<void> {
    await this.handle.write(chunk, 0, chunk.length, offset);
  }

  protected async clear(): Promise<void> {
    await this.handle.truncate(0);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** For small files (SHA256SUMS); more than maxBytes is refused rather than held in memory. */
export class MemorySink extends HashingSink {
  #chunks: Buffer[] = [];

  constructor(private readonly maxBytes: number) {
    super();
  }

  override expectSize(totalBytes: number | undefined): void {
    if (totalBytes !== undefined && totalBytes > this.maxBytes) throw this.tooBig(totalBytes);
  }

  data(): Buffer {
    return Buffer.concat(this.#chunks);
  }

  protected async store(chunk: Buffer, offset: number): Promise<void> {
    if (offset + chunk.length > this.maxBytes) throw this.tooBig(offset + chunk.length);
    this.#chunks.push(chunk);
  }

  protected async clear(): Promise<void> {
    this.#chunks = [];
  }

  private tooBig(bytes: number): DownloadError {
    return new DownloadError(`${bytes} bytes is too big for this file (at most ${this.maxBytes} expected)`, { retryable: false });
  }
}
