// Alpine's Raspberry Pi release tarball (alpine-rpi-<version>-aarch64.tar.gz), from a URL or a
// local file, verified against its published `<file>.sha256` (or a checksum given on the command
// line) with the same cache, transfer code and --offline rule as etcd's releases. A file whose
// checksum does not match is never cached nor used.

import { rm } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { EnvHttpProxyAgent } from "undici";
import { ReleaseCache } from "./cache.js";
import { download, type DownloadOptions } from "./download.js";
import { DownloadError, ReleaseError } from "./errors.js";
import { SHA256_HEX } from "./hash.js";
import type { FetchOptions } from "./fetch-release.js";
import { silentProgress } from "./progress.js";
import { parseSha256Sums } from "./sha256sums.js";
import { FileSink, MemorySink } from "./sink.js";

export interface AlpineRequest {
  /** An http(s) or file:// URL, or a path to a local file. */
  source: string;
  /** Pinned on the command line; otherwise `<source>.sha256` is fetched and must list the file. */
  expectedSha256?: string;
}

export interface FetchedAlpine {
  /** The file's name, e.g. alpine-rpi-3.22.2-aarch64.tar.gz */
  fileName: string;
  sha256: string;
  /** The verified file in the cache (read-only). */
  path: string;
}

const MAX_SUMS_BYTES = 64 * 1024;
const SUPPORTED = new Set(["http:", "https:", "file:"]);

/** The source as a URL: an absolute or relative path becomes file://. */
export function alpineSourceUrl(source: string): URL {
  if (isAbsolute(source) || !/^[a-z][a-z0-9+.-]*:/i.test(source)) return pathToFileURL(resolve(source));
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new ReleaseError(`--alpine ${JSON.stringify(source)} is neither a URL nor a file path: give the release's https:// URL or its file`);
  }
  if (!SUPPORTED.has(url.protocol)) throw new ReleaseError(`--alpine ${source}: only http://, https:// and file:// URLs or a file path are supported`);
  if (url.username || url.password) throw new ReleaseError(`--alpine ${url.protocol}//…@${url.host}: credentials in the URL are not supported`);
  return url;
}

export async function fetchAlpineRelease(request: AlpineRequest, opts: FetchOptions): Promise<FetchedAlpine> {
  const url = alpineSourceUrl(request.source);
  const fileName = decodeURIComponent(url.pathname.split("/").pop() ?? "");
  const what = `the Alpine release ${fileName}`;
  const expected = request.expectedSha256?.toLowerCase();
  if (expected !== undefined && !SHA256_HEX.test(expected)) throw new ReleaseError(`--alpine-sha256 ${JSON.stringify(request.expectedSha256)} is not 64 hex digits`);
  const cache = new ReleaseCache(opts.cacheDir);
  const progress = opts.progress ?? silentProgress;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const dispatcher = opts.dispatcher ?? new EnvHttpProxyAgent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const transfer: DownloadOptions = { dispatcher, timeoutMs, attempts: opts.attempts ?? 5, retryDelayMs: opts.retryDelayMs ?? 500 };
  const failed = (where: string) => (error: unknown): never => {
    if (!(error instanceof DownloadError)) throw error;
    throw new ReleaseError(`${what}: ${error.notFound ? `no such file: ${where}` : `could not read ${where}: ${error.message}`}; nothing was written`);
  };
  try {
    // A local file is read again each time (it may have been replaced); a URL's last verified download is reused.
    const known = expected ?? (url.protocol === "file:" ? undefined : await cache.shaForUrl(url.href));
    const cached = known === undefined ? undefined : await cache.intactBlob(known);
    if (known !== undefined && cached !== undefined) {
      progress.start(fileName, undefined).done("cached");
      return { fileName, sha256: known, path: cached };
    }
    if (opts.offline && url.protocol !== "file:") throw new ReleaseError(`${what}: ${url.href} is not in the cache at ${cache.dir}: run once without --offline`);

    let listed = expected;
    if (listed === undefined) {
      const sumsUrl = `${url.href}.sha256`;
      const sums = new MemorySink(MAX_SUMS_BYTES);
      await download(sumsUrl, sums, transfer).catch(failed(`${sumsUrl} (Alpine publishes one beside each release; or give the checksum with --alpine-sha256)`));
      listed = parseSha256Sums(sums.data().toString("utf8"), sumsUrl).get(fileName);
      if (listed === undefined) throw new ReleaseError(`${what}: ${sumsUrl} has no entry for ${fileName}, so it cannot be verified; nothing was written`);
    }
    const sink = await FileSink.create(await cache.newTempPath());
    try {
      await download(url.href, sink, { ...transfer, progress: { reporter: progress, file: fileName } }).catch(failed(url.href));
      await sink.close();
      const actual = sink.sha256();
      if (actual !== listed)
        throw new ReleaseError(
          `checksum mismatch for ${what}: expected ${listed} (${expected !== undefined ? "--alpine-sha256" : "its .sha256"}), got ${actual}: the file is damaged or tampered with; nothing was written`,
        );
      return { fileName, sha256: actual, path: await cache.addFile(sink.path, actual, url.href) };
    } finally {
      await sink.close().catch(() => {});
      await rm(sink.path, { force: true }); // after addFile renamed it, nothing is left to remove
    }
  } catch (error) {
    if (error instanceof ReleaseError || typeof (error as NodeJS.ErrnoException).syscall !== "string") throw error;
    throw new ReleaseError(`${what}: the release cache ${cache.dir} cannot be used (${(error as Error).message}): fix it or pass another --cache-dir`);
  } finally {
    if (dispatcher !== opts.dispatcher) await dispatcher.close();
  }
}
