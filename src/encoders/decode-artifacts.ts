// Reads the planned files back out of artifacts an earlier build wrote (user-data's write_files,
// an overlay's entries), so plan --diff can compare them with what this build would write.

import { gunzipSync } from "node:zlib";
import tar from "tar-stream";
import { parse } from "yaml";

export interface DecodedFile {
  content: string | Uint8Array;
  /** Unix permission bits as the artifact states them. */
  mode: number;
}

/** Path on the host → content and mode, from a #cloud-config user-data; empty when it holds no write_files. */
export function decodeUserData(text: string): Map<string, DecodedFile> {
  const files = new Map<string, DecodedFile>();
  const config = parse(text) as { write_files?: unknown } | null;
  const entries = Array.isArray(config?.write_files) ? (config.write_files as unknown[]) : [];
  for (const entry of entries) {
    if (typeof entry !== "object" || entry === null) continue;
    const { path, content, encoding, permissions } = entry as { path?: unknown; content?: unknown; encoding?: unknown; permissions?: unknown };
    if (typeof path !== "string" || typeof content !== "string") continue;
    const mode = typeof permissions === "string" ? Number.parseInt(permissions, 8) : 0o644;
    files.set(path, { content: encoding === "b64" ? new Uint8Array(Buffer.from(content, "base64")) : content, mode: Number.isNaN(mode) ? 0o644 : mode });
  }
  return files;
}

/** Path on the host (with its leading /) → content and mode of every regular file in an apkovl. */
export async function decodeApkovl(archive: Uint8Array): Promise<Map<string, DecodedFile>> {
  const files = new Map<string, DecodedFile>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on("end", () => {
        if (header.type === "file") files.set(`/${header.name.replace(/^\/+/, "")}`, { content: new Uint8Array(Buffer.concat(chunks)), mode: header.mode ?? 0o644 });
        next();
      });
      stream.on("error", reject);
    });
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  extract.end(gunzipSync(archive));
  await done;
  return files;
}
