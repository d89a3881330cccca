// The JSON gateway's snapshot stream: one JSON object per line, {"result": {"blob": base64,
// "remaining_bytes": "n", "header": {...}}} (3.4 sends neither header nor zero counts), or
// {"error": {...}} when the member fails mid-way. This turns the raw body into chunks of bytes.

import { ClusterError } from "../cluster/client.js";

export interface SnapshotChunk {
  bytes: Buffer;
  /** Bytes of the database still to come after this chunk, when the member says. */
  remainingBytes?: number;
  /** From the header of the chunk, where the release sends one (3.5+). */
  clusterId?: string;
  revision?: string;
}

interface RawLine {
  result?: { blob?: string; remaining_bytes?: string | number; header?: { cluster_id?: string; revision?: string } };
  error?: { message?: string; grpc_code?: number };
}

function parseLine(line: string, source: string): SnapshotChunk {
  let parsed: RawLine;
  try {
    parsed = JSON.parse(line) as RawLine;
  } catch {
    throw new ClusterError(`${source}: the snapshot stream is not JSON lines: is this an etcd client URL?`);
  }
  if (parsed.error) throw new ClusterError(`${source}: the member stopped the snapshot: ${parsed.error.message ?? JSON.stringify(parsed.error)}`);
  const result = parsed.result;
  if (!result || (result.blob !== undefined && typeof result.blob !== "string")) throw new ClusterError(`${source}: unexpected line in the snapshot stream`);
  const header = result.header;
  return {
    bytes: Buffer.from(result.blob ?? "", "base64"),
    ...(result.remaining_bytes !== undefined ? { remainingBytes: Number(result.remaining_bytes) } : {}),
    ...(header?.cluster_id ? { clusterId: String(header.cluster_id) } : {}),
    ...(header?.revision ? { revision: String(header.revision) } : {}),
  };
}

export async function* snapshotChunks(body: AsyncIterable<Uint8Array>, source: string): AsyncGenerator<SnapshotChunk> {
  let pending = "";
  for await (const data of body) {
    pending += Buffer.from(data).toString("utf8");
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line !== "") yield parseLine(line, source);
      newline = pending.indexOf("\n");
    }
  }
  if (pending.trim() !== "") yield parseLine(pending.trim(), source);
}
