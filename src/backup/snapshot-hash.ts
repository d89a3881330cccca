// etcd ends every snapshot it streams with the SHA-256 of the bytes before it (32 bytes), and
// `etcdutl snapshot restore` checks it. Checking it here, as the bytes arrive or from a file,
// tells a whole snapshot from one cut short or damaged.

import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";

export const SNAPSHOT_HASH_BYTES = 32;

export interface SnapshotCheck {
  /** Bytes in the file, the appended hash included. */
  size: number;
  /** SHA-256 of the whole file, as `sha256sum` prints it (what restore bundles check). */
  sha256: string;
  /** The hash etcd appended, and the one the content has: equal in a whole snapshot. */
  appendedSha256: string;
  contentSha256: string;
  intact: boolean;
}

/** Feeds bytes in order; holds back the last 32, which are the appended hash, not content. */
export class SnapshotHasher {
  private readonly whole: Hash = createHash("sha256");
  private readonly content: Hash = createHash("sha256");
  private tail: Buffer = Buffer.alloc(0);
  private size = 0;

  update(chunk: Uint8Array): void {
    this.whole.update(chunk);
    this.size += chunk.length;
    const joined = Buffer.concat([this.tail, chunk]);
    const kept = Math.min(SNAPSHOT_HASH_BYTES, joined.length);
    this.content.update(joined.subarray(0, joined.length - kept));
    this.tail = Buffer.from(joined.subarray(joined.length - kept));
  }

  result(): SnapshotCheck {
    const appendedSha256 = this.tail.toString("hex");
    const contentSha256 = this.content.digest("hex");
    const intact = this.size > SNAPSHOT_HASH_BYTES && this.tail.length === SNAPSHOT_HASH_BYTES && appendedSha256 === contentSha256;
    return { size: this.size, sha256: this.whole.digest("hex"), appendedSha256, contentSha256, intact };
  }
}

export async function checkSnapshotFile(path: string): Promise<SnapshotCheck> {
  const hasher = new SnapshotHasher();
  for await (const chunk of createReadStream(path)) hasher.update(chunk as Buffer);
  return hasher.result();
}
