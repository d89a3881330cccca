// The common setup of the fetch tests: a fake release served by a fault server, an empty cache,
// fast timeouts and retries, all removed when the test ends.

import { rm } from "node:fs/promises";
import type { TestContext } from "node:test";
import type { FetchOptions, ReleaseRequest } from "../../src/release/fetch-release.js";
import type { Arch } from "../../src/spec/types.js";
import { tempDir } from "../support.js";
import { makeFakeRelease, type FakeRelease } from "./fake-release.js";
import { startFaultServer, type FaultServer } from "./fault-server.js";

export interface Fixture {
  release: FakeRelease;
  server: FaultServer;
  cacheDir: string;
  /** Fast: 2 s timeouts, 3 attempts, 10 ms first backoff. */
  options: FetchOptions;
  request(arch?: Arch, expectedSha256?: string): ReleaseRequest;
  /** The server's URL of this release file, e.g. url("/v3.6.14/SHA256SUMS"). */
  url(path: string): string;
}

export async function releaseFixture(t: TestContext, opts: { sizeBytes?: number } = {}): Promise<Fixture> {
  const rootDir = await temporaryFolder(t, "mirror");
  const cacheDir = await temporaryFolder(t, "cache");
  const release = await makeFakeRelease(rootDir, "3.6.14", opts.sizeBytes);
  const server = await startFaultServer(rootDir);
  t.after(() => server.close());
  return {
    release,
    server,
    cacheDir,
    options: { cacheDir, timeoutMs: 2000, attempts: 3, retryDelayMs: 10 },
    request: (arch = "amd64", expectedSha256) => ({ downloadUrl: server.baseUrl, version: release.version, arch, ...(expectedSha256 ? { expectedSha256 } : {}) }),
    url: (path) => `${server.baseUrl}${path}`,
  };
}

export async function temporaryFolder(t: TestContext, label: string): Promise<string> {
  const dir = await tempDir(label);
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs fn with these environment variables (undefined: unset) until it settles, then puts the old values back. */
export async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T | Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

/** A progress stream that keeps what was written. */
export function recordingStream(isTTY: boolean): { write(s: string): boolean; isTTY: boolean; text(): string; writes: string[] } {
  const writes: string[] = [];
  return { isTTY, writes, write: (s) => writes.push(s) > 0, text: () => writes.join("") };
}
