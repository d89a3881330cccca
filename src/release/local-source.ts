// Releases from the local disk: etcd.downloadUrl may be a file:// URL or an absolute folder path
// laid out like the upstream download site. Such files are verified and cached like downloads.

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DownloadError, ReleaseError } from "./errors.js";
import type { DownloadSink } from "./sink.js";

const SUPPORTED_PROTOCOLS = new Set(["http:", "https:", "file:"]);

/** downloadUrl as a URL without trailing slashes; an absolute folder path becomes a file:// URL. */
export function sourceBaseUrl(downloadUrl: string): string {
  if (isAbsolute(downloadUrl)) return pathToFileURL(downloadUrl).href.replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(downloadUrl);
  } catch {
    throw new ReleaseError(`etcd.downloadUrl ${JSON.stringify(downloadUrl)} is neither a URL nor an absolute folder path`);
  }
  if (!SUPPORTED_PROTOCOLS.has(url.protocol)) {
    throw new ReleaseError(`etcd.downloadUrl ${downloadUrl}: only http://, https:// and file:// URLs (or an absolute folder path) are supported`);
  }
  return downloadUrl.replace(/\/+$/, "");
}

/** file://host/… names another machine: only this one's files can be read. */
function localPath(url: string): string {
  try {
    return fileURLToPath(url);
  } catch (error) {
    throw new ReleaseError(`${url} is not a file on this machine (${(error as Error).message}): write etcd.downloadUrl as file:///absolute/folder or an absolute path`);
  }
}

export async function readLocalFile(url: string, sink: DownloadSink): Promise<void> {
  const path = localPath(url);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new DownloadError(`${path} is not a file`, { retryable: false, notFound: true });
  sink.expectSize(info.size);
  try {
    for await (const chunk of createReadStream(path)) await sink.write(chunk as Buffer);
  } catch (error) {
    if (error instanceof DownloadError) throw error;
    throw new DownloadError(`cannot copy ${path}: ${(error as Error).message}`, { retryable: false });
  }
}
