// Fetches etcd release tarballs: from the cache when it has them (no request at all), else from
// the mirror (http, https, file:// or a folder), verified against the release's SHA256SUMS and the
// pinned checksum before anything is cached. Errors say which release, which URL, and what to try.

import { readFile, rm, stat } from "node:fs/promises";
import { EnvHttpProxyAgent, type Dispatcher } from "undici";
import { releaseArtifact } from "../etcd/release.js";
import type { EtcdVersion } from "../etcd/version.js";
import type { Arch } from "../spec/types.js";
import { ReleaseCache } from "./cache.js";
import { download, type DownloadOptions } from "./download.js";
import { DownloadError, ReleaseError } from "./errors.js";
import { SHA256_HEX } from "./hash.js";
import { InFlight } from "./in-flight.js";
import { sourceBaseUrl } from "./local-source.js";
import { silentProgress, type ProgressReporter } from "./progress.js";
import { parseSha256Sums } from "./sha256sums.js";
import { FileSink, MemorySink } from "./sink.js";

export interface ReleaseRequest {
  downloadUrl: string;
  version: EtcdVersion;
  arch: Arch;
  /** from the lock file or the spec; when given, the tarball must match it */
  expectedSha256?: string;
}

export interface FetchOptions {
  /** see defaultCacheDir */
  cacheDir: string;
  /** Use only the cache; a miss is an error. */
  offline?: boolean;
  /**
   * Even when the tarball is cached, fetch the release's SHA256SUMS again and refuse if the
   * mirror's checksum drifted from the pin or the cache (pin re-checks; build trusts the cache).
   * No effect with offline.
   */
  recheckMirror?: boolean;
  /** default: silent */
  progress?: ProgressReporter;
  /** connect/headers/body-idle timeout, default 30 s */
  timeoutMs?: number;
  /** default 5 */
  attempts?: number;
  /** first backoff, doubles each time, default 500 ms */
  retryDelayMs?: number;
  /** default: an EnvHttpProxyAgent (HTTP_PROXY/HTTPS_PROXY/NO_PROXY, lower case too) */
  dispatcher?: Dispatcher;
}

export interface FetchedRelease {
  request: ReleaseRequest;
  tarballUrl: string;
  sha256: string;
  /** the verified tarball in the cache (read-only) */
  path: string;
  fromCache: boolean;
  /** SHA256SUMS was fetched from the mirror in this run and lists sha256 (false: the cache alone answered). */
  checkedAgainstMirror: boolean;
}

const DEFAULTS = { timeoutMs: 30_000, attempts: 5, retryDelayMs: 500 };
/** Upstream SHA256SUMS files are a few KiB; anything this big is not one. */
const MAX_SUMS_BYTES = 1024 * 1024;

export async function fetchRelease(req: ReleaseRequest, opts: FetchOptions): Promise<FetchedRelease> {
  return (await fetchReleases([req], opts))[0]!;
}

/** Fetches concurrently; requests for the same tarball share one transfer. Waits for all before failing. */
export async function fetchReleases(reqs: ReleaseRequest[], opts: FetchOptions): Promise<FetchedRelease[]> {
  const dispatcher = opts.dispatcher ?? defaultDispatcher(opts.timeoutMs ?? DEFAULTS.timeoutMs);
  const fetcher = new ReleaseFetcher(opts, dispatcher);
  try {
    const results = await Promise.allSettled(reqs.map((req) => fetcher.fetch(req)));
    const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new ReleaseError([...new Set(failures.map((f) => (f as Error).message))].join("\n"));
    return results.map((r) => (r as PromiseFulfilledResult<FetchedRelease>).value);
  } finally {
    if (dispatcher !== opts.dispatcher) await dispatcher.close();
  }
}

function defaultDispatcher(timeoutMs: number): Dispatcher {
  return new EnvHttpProxyAgent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
}

interface Sha256Sums {
  url: string;
  data: Buffer;
  sha256: string;
  entries: Map<string, string>;
  fromCache: boolean;
  /** What the cache held for this URL before this run: read once, so requests sharing it agree. */
  previousSha256: string | undefined;
}

/** Process-wide, so that separate fetchRelease calls running at once share transfers too. */
const tarballsInFlight = new InFlight<string>();
const sumsInFlight = new InFlight<Sha256Sums>();

class ReleaseFetcher {
  private readonly cache: ReleaseCache;
  private readonly transfer: DownloadOptions;

  constructor(
    private readonly opts: FetchOptions,
    dispatcher: Dispatcher,
  ) {
    this.cache = new ReleaseCache(opts.cacheDir);
    this.transfer = {
      dispatcher,
      timeoutMs: opts.timeoutMs ?? DEFAULTS.timeoutMs,
      attempts: opts.attempts ?? DEFAULTS.attempts,
      retryDelayMs: opts.retryDelayMs ?? DEFAULTS.retryDelayMs,
    };
  }

  async fetch(req: ReleaseRequest): Promise<FetchedRelease> {
    try {
      return await this.fetchVerified(req);
    } catch (error) {
      // Transfers already explain themselves; a system call failing here is the cache folder's.
      if (error instanceof ReleaseError || typeof (error as NodeJS.ErrnoException).syscall !== "string") throw error;
      throw new ReleaseError(`etcd ${req.version.text} linux-${req.arch}: the release cache ${this.cache.dir} cannot be used (${(error as Error).message}): fix it or pass another --cache-dir`);
    }
  }

  private async fetchVerified(req: ReleaseRequest): Promise<FetchedRelease> {
    const artifact = releaseArtifact(sourceBaseUrl(req.downloadUrl), req.version, req.arch);
    const release = new ReleaseNaming(req, artifact.tarballUrl, artifact.sumsUrl);
    const expected = checkedExpectedSha256(req, release);
    const fileName = `${artifact.name}.tar.gz`;
    const result = (sha256: string, path: string, fromCache: boolean, checkedAgainstMirror: boolean): FetchedRelease => ({
      request: req,
      tarballUrl: artifact.tarballUrl,
      sha256,
      path,
      fromCache,
      checkedAgainstMirror,
    });
    const progress = this.opts.progress ?? silentProgress;
    const recheck = this.opts.recheckMirror === true && this.opts.offline !== true;

    const cached = await this.cachedTarball(artifact.tarballUrl, expected);
    if (cached && !recheck) {
      progress.start(fileName, (await stat(cached.path)).size).done("cached");
      return result(cached.sha256, cached.path, true, false);
    }
    if (!cached && this.opts.offline) {
      throw new ReleaseError(`${release.what}: ${artifact.tarballUrl} is not in the cache at ${this.cache.dir}: run once without --offline`);
    }

    const sums = await this.sha256Sums(artifact.sumsUrl, release, recheck);
    const listed = sums.entries.get(fileName);
    if (listed === undefined) {
      throw new ReleaseError(`${release.what}: ${artifact.sumsUrl} has no entry for ${fileName}, so it cannot be verified (is etcd.downloadUrl a complete mirror?); nothing was cached`);
    }
    // Checked before downloading, so every request sharing the download below wants the same bytes.
    if (expected !== undefined && listed !== expected) throw release.sumsDisagreeWithPin(listed, expected);
    if (cached) {
      if (listed !== cached.sha256) throw release.sumsDisagreeWithCache(listed, cached.sha256, this.cache.dir);
      // The same SHA256SUMS as when the tarball was verified: the mirror still vouches for it.
      if (sums.sha256 === sums.previousSha256) {
        progress.start(fileName, (await stat(cached.path)).size).done("cached, verified against the mirror's SHA256SUMS");
        return result(cached.sha256, cached.path, true, true);
      }
      // SHA256SUMS changed though this entry did not: the release may have been re-published, so
      // the tarball is downloaded again and must still hash to the checksum it had.
    }

    const path = await tarballsInFlight.run(JSON.stringify([this.cache.dir, artifact.tarballUrl]), () =>
      this.downloadVerified(artifact.tarballUrl, fileName, listed, release, expected !== undefined),
    );
    if (!sums.fromCache) await this.cache.addBuffer(sums.data, sums.sha256, sums.url);
    return result(listed, path, false, !sums.fromCache);
  }

  /** With a pinned checksum any blob with that content will do; without, what this URL served before. */
  private async cachedTarball(url: string, expected: string | undefined): Promise<{ sha256: string; path: string } | undefined> {
    const sha256 = expected ?? (await this.cache.shaForUrl(url));
    const path = sha256 === undefined ? undefined : await this.cache.intactBlob(sha256);
    return sha256 !== undefined && path !== undefined ? { sha256, path } : undefined;
  }

  /** Into a temp file, then into the cache only when its hash is the listed one. */
  private async downloadVerified(url: string, fileName: string, listed: string, release: ReleaseNaming, pinned: boolean): Promise<string> {
    await this.cache.removeAbandonedTempFiles();
    const sink = await FileSink.create(await this.cache.newTempPath());
    try {
      const progress = { reporter: this.opts.progress ?? silentProgress, file: fileName };
      await download(url, sink, { ...this.transfer, progress }).catch((error: unknown) => release.failedDownload(url, error));
      await sink.close();
      const actual = sink.sha256();
      if (actual !== listed) throw release.tarballMismatch(listed, actual, pinned);
      return await this.cache.addFile(sink.path, actual, url);
    } finally {
      await sink.close().catch(() => {});
      await rm(sink.path, { force: true });
    }
  }

  /** The release's SHA256SUMS, cached only once a tarball has verified against it; fresh: from the mirror. */
  private sha256Sums(url: string, release: ReleaseNaming, fresh: boolean): Promise<Sha256Sums> {
    return sumsInFlight.run(JSON.stringify([this.cache.dir, url, fresh]), async () => {
      const previousSha256 = await this.cache.shaForUrl(url);
      const cachedPath = fresh || previousSha256 === undefined ? undefined : await this.cache.intactBlob(previousSha256);
      if (previousSha256 !== undefined && cachedPath !== undefined) {
        const data = await readFile(cachedPath);
        return { url, data, sha256: previousSha256, entries: parseSha256Sums(data.toString("utf8"), url), fromCache: true, previousSha256 };
      }
      const sink = new MemorySink(MAX_SUMS_BYTES);
      await download(url, sink, this.transfer).catch((error: unknown) => release.failedDownload(url, error));
      const data = sink.data();
      return { url, data, sha256: sink.sha256(), entries: parseSha256Sums(data.toString("utf8"), url), fromCache: false, previousSha256 };
    });
  }
}

/** The words for one release in errors: which one, where from, and what to try. */
class ReleaseNaming {
  readonly what: string;

  constructor(
    req: ReleaseRequest,
    private readonly tarballUrl: string,
    private readonly sumsUrl: string,
  ) {
    this.what = `etcd ${req.version.text} linux-${req.arch}`;
  }

  failedDownload(url: string, error: unknown): never {
    if (!(error instanceof DownloadError)) throw error;
    if (error.notFound) throw new ReleaseError(`${this.what}: no such release: ${url} (check etcd.version and etcd.downloadUrl)`);
    throw new ReleaseError(
      `${this.what}: could not download ${url}: ${error.message}. Check the network and the proxy variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), or point etcd.downloadUrl at a reachable mirror`,
    );
  }

  tarballMismatch(listed: string, actual: string, pinned: boolean): ReleaseError {
    const says = pinned ? "SHA256SUMS and the lock say" : "SHA256SUMS says";
    return new ReleaseError(
      `checksum mismatch for ${this.what}: ${this.tarballUrl} is serving a different file than ${says} (expected ${listed}, got ${actual}); nothing was cached. ` +
        "Try again; if it persists the mirror is damaged or tampered with: use another etcd.downloadUrl",
    );
  }

  sumsDisagreeWithPin(listed: string, pinned: string): ReleaseError {
    return new ReleaseError(
      `checksum mismatch for ${this.what}: ${this.sumsUrl} lists ${listed}, but the lock pinned ${pinned}: the mirror serves a different file than the lock pinned; nothing was cached. ` +
        "If the release was re-published on purpose, check it, then remove the pin (etcd.sha256 or the lock entry) and run etcdboot pin",
    );
  }

  sumsDisagreeWithCache(listed: string, cached: string, cacheDir: string): ReleaseError {
    return new ReleaseError(
      `checksum mismatch for ${this.what}: ${this.sumsUrl} now lists ${listed}, but ${this.tarballUrl} served ${cached} when it was verified and cached: the mirror now serves a different file; nothing was changed. ` +
        `If the release was re-published on purpose, check it, then run etcdboot pin with an empty --cache-dir (the cache is ${cacheDir})`,
    );
  }
}

function checkedExpectedSha256(req: ReleaseRequest, release: ReleaseNaming): string | undefined {
  const expected = req.expectedSha256?.toLowerCase();
  if (expected !== undefined && !SHA256_HEX.test(expected)) {
    throw new ReleaseError(`${release.what}: the pinned checksum ${JSON.stringify(req.expectedSha256)} is not 64 hex digits`);
  }
  return expected;
}
