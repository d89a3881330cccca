// The transfer under faults, against a local server that drops, stalls, truncates and fails on purpose.

import assert from "node:assert/strict";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { EnvHttpProxyAgent } from "undici";
import { ReleaseError } from "../../src/release/errors.js";
import { fetchRelease } from "../../src/release/fetch-release.js";
import { sha256Hex } from "../../src/release/hash.js";
import { cacheContents } from "./fake-release.js";
import { releaseFixture, withEnv } from "./fixture.js";
import { startForwardProxy } from "./forward-proxy.js";

const rejectsWith = (pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ReleaseError, String(e));
  assert.match(e.message, pattern);
  return true;
};

const NO_PROXY_VARIABLES = { HTTP_PROXY: undefined, http_proxy: undefined, HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined };

test("a connection dropped mid-body is resumed with a Range request", async (t) => {
  const { release, server, options, request } = await releaseFixture(t);
  const { amd64 } = release.tarballs;
  server.inject(amd64.urlPath, { kind: "cut", afterBytes: 100_000 });
  const fetched = await fetchRelease(request(), options);
  assert.ok((await readFile(fetched.path)).equals(amd64.bytes));
  const [first, resumed] = server.requests.filter((r) => r.path === amd64.urlPath);
  assert.equal(first?.range, undefined);
  assert.equal(resumed?.range, "bytes=100000-");
  assert.match(resumed?.ifRange ?? "", /^"[0-9a-f]{16}"$/, "If-Range: the ETag of the first answer");
});

test("a file replaced between two attempts is fetched again whole, never spliced", async (t) => {
  const { release, server, options, request } = await releaseFixture(t);
  const { amd64 } = release.tarballs;
  const path = join(release.rootDir, amd64.urlPath);
  const replacement = Buffer.from(amd64.bytes).reverse();
  server.inject(amd64.urlPath, { kind: "cut", afterBytes: 100_000 });
  server.onRequest = async (seen) => {
    if (seen.range !== undefined) await writeFile(path, replacement);
  };
  await assert.rejects(fetchRelease(request(), options), rejectsWith(new RegExp(`checksum mismatch .* \\(expected ${amd64.sha256}, got ${sha256Hex(replacement)}\\)`)));
});

test("a server that answers 200 to a Range request makes the transfer start over", async (t) => {
  const { release, server, options, request } = await releaseFixture(t);
  const { amd64 } = release.tarballs;
  server.inject(amd64.urlPath, { kind: "cut", afterBytes: 5000 }, { kind: "ignore-range" });
  const fetched = await fetchRelease(request(), options);
  assert.ok((await readFile(fetched.path)).equals(amd64.bytes), "not appended to what it had");
  assert.deepEqual(server.requests.filter((r) => r.path === amd64.urlPath).map((r) => r.range), [undefined, "bytes=5000-"]);
});

test("5xx answers are retried with backoff; other 4xx are not", async (t) => {
  const { release, server, cacheDir, options, request } = await releaseFixture(t);
  const { amd64 } = release.tarballs;
  server.inject(release.sumsUrlPath, { kind: "status", status: 500 }, { kind: "status", status: 503 });
  server.inject(amd64.urlPath, { kind: "status", status: 502 });
  const started = performance.now();
  const fetched = await fetchRelease(request(), { ...options, retryDelayMs: 40 });
  assert.ok(performance.now() - started >= 40 + 80 + 40, "waited 40 + 80 ms for SHA256SUMS, 40 ms for the tarball");
  assert.ok((await readFile(fetched.path)).equals(amd64.bytes));
  assert.deepEqual(server.requests.map((r) => r.path), [release.sumsUrlPath, release.sumsUrlPath, release.sumsUrlPath, amd64.urlPath, amd64.urlPath]);

  server.inject(release.tarballs.arm64.urlPath, { kind: "status", status: 403 });
  const before = server.requests.length;
  await assert.rejects(fetchRelease(request("arm64"), options), rejectsWith(/^etcd 3\.6\.14 linux-arm64: could not download .*arm64\.tar\.gz: HTTP 403\. Check the network and the proxy variables/));
  assert.equal(server.requests.length - before, 1, "a 403 is not retried");

  server.inject(release.tarballs.arm64.urlPath, ...Array(3).fill({ kind: "status", status: 500 }));
  await assert.rejects(fetchRelease(request("arm64"), options), rejectsWith(/: HTTP 500 \(gave up after 3 attempts\)\./));
  const { blobs } = await cacheContents(cacheDir);
  assert.equal(blobs.length, 2, "the amd64 tarball and SHA256SUMS");
  assert.ok(blobs.includes(amd64.sha256) && !blobs.includes(release.tarballs.arm64.sha256));
});

test("a stalled body times out within the configured time, and the retry resumes", async (t) => {
  const { release, server, cacheDir, options, request } = await releaseFixture(t);
  const { amd64 } = release.tarballs;
  server.inject(amd64.urlPath, { kind: "stall", afterBytes: 1000 });
  const started = performance.now();
  await assert.rejects(fetchRelease(request(), { ...options, timeoutMs: 300, attempts: 1 }), rejectsWith(/could not download .*amd64\.tar\.gz: the transfer stalled: no data for 0\.3 s \(gave up after 1 attempt\)/));
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 1.5, `gave up after ${seconds.toFixed(2)} s`);
  assert.deepEqual(await cacheContents(cacheDir), { blobs: [], urls: [], temp: [] }, "nothing cached, no partial file left");

  server.inject(amd64.urlPath, { kind: "stall", afterBytes: 1000 });
  const fetched = await fetchRelease(request(), { ...options, timeoutMs: 300 });
  assert.ok((await readFile(fetched.path)).equals(amd64.bytes));
  assert.equal(server.requests.at(-1)?.range, "bytes=1000-");
});

test("a server that never answers times out", async (t) => {
  const { release, server, options, request } = await releaseFixture(t);
  server.inject(release.sumsUrlPath, { kind: "hang" });
  await assert.rejects(fetchRelease(request(), { ...options, timeoutMs: 300, attempts: 1 }), rejectsWith(/SHA256SUMS: no response within 0\.3 s/));
});

test("a body shorter than its Content-Length is never accepted", async (t) => {
  const { release, server, cacheDir, options, request } = await releaseFixture(t);
  const { amd64 } = release.tarballs;
  const size = amd64.bytes.length;
  server.inject(amd64.urlPath, ...Array(3).fill({ kind: "overstate", extraBytes: 1000 }));
  await assert.rejects(fetchRelease(request(), options), rejectsWith(/the body ended after \d+ of \d+ bytes \(gave up after 3 attempts\)/));
  assert.deepEqual(await cacheContents(cacheDir), { blobs: [], urls: [], temp: [] });

  // Once: the resume finds nothing left to send (416), so the transfer starts over and succeeds.
  server.inject(amd64.urlPath, { kind: "overstate", extraBytes: 1000 });
  server.requests.length = 0;
  const fetched = await fetchRelease(request(), options);
  assert.ok((await readFile(fetched.path)).equals(amd64.bytes));
  assert.deepEqual(server.requests.filter((r) => r.path === amd64.urlPath).map((r) => r.range), [undefined, `bytes=${size}-`, undefined]);
});

test("redirects are followed (upstream URLs redirect to storage)", async (t) => {
  const { release, server, options, request, url } = await releaseFixture(t);
  const { amd64 } = release.tarballs;
  await mkdir(join(release.rootDir, "storage"));
  await copyFile(join(release.rootDir, amd64.urlPath), join(release.rootDir, "storage", "blob"));
  server.inject(amd64.urlPath, { kind: "redirect", location: "/storage/blob" }, { kind: "redirect", location: url("/storage/blob") });
  server.inject("/storage/blob", { kind: "cut", afterBytes: 1234 });
  const fetched = await fetchRelease(request(), options);
  assert.ok((await readFile(fetched.path)).equals(amd64.bytes));
  assert.deepEqual(server.requests.slice(1).map(({ path, range }) => ({ path, range })), [
    { path: amd64.urlPath, range: undefined },
    { path: "/storage/blob", range: undefined },
    { path: amd64.urlPath, range: "bytes=1234-" },
    { path: "/storage/blob", range: "bytes=1234-" },
  ]);
});

test("connection refused is retried, then reported", async (t) => {
  const { server, options, request } = await releaseFixture(t);
  await server.close();
  await assert.rejects(fetchRelease(request(), options), rejectsWith(/could not download http:\/\/127\.0\.0\.1:\d+\/v3\.6\.14\/SHA256SUMS: .*ECONNREFUSED.* \(gave up after 3 attempts\)/));
});

test("HTTP_PROXY is honoured: by an EnvHttpProxyAgent given as dispatcher, and by the default one", async (t) => {
  const { release, server, options, request } = await releaseFixture(t);
  const proxy = await startForwardProxy();
  t.after(() => proxy.close());
  const target = new URL(server.baseUrl).host;

  const agent = await withEnv({ ...NO_PROXY_VARIABLES, HTTP_PROXY: proxy.url }, () => new EnvHttpProxyAgent());
  t.after(() => agent.close());
  const viaAgent = await fetchRelease(request(), { ...options, dispatcher: agent });
  assert.ok((await readFile(viaAgent.path)).equals(release.tarballs.amd64.bytes));
  assert.ok(proxy.seen.length > 0 && proxy.seen.every((line) => line === `CONNECT ${target}`), proxy.seen.join(", "));
  const tunnels = proxy.seen.length;

  const viaDefault = await withEnv({ ...NO_PROXY_VARIABLES, http_proxy: proxy.url }, () => fetchRelease(request("arm64"), options));
  assert.ok((await readFile(viaDefault.path)).equals(release.tarballs.arm64.bytes));
  assert.ok(proxy.seen.length > tunnels, "the default dispatcher went through the proxy");

  const before = proxy.seen.length;
  const otherCache = { ...options, cacheDir: `${options.cacheDir}-bypass` };
  t.after(() => rm(otherCache.cacheDir, { recursive: true, force: true }));
  await withEnv({ ...NO_PROXY_VARIABLES, HTTP_PROXY: proxy.url, NO_PROXY: "localhost,127.0.0.1" }, () => fetchRelease(request("arm64"), otherCache));
  assert.equal(proxy.seen.length, before, "NO_PROXY bypasses the proxy");
});
