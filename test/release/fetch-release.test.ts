import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ReleaseError } from "../../src/release/errors.js";
import { fetchRelease, fetchReleases, type FetchedRelease } from "../../src/release/fetch-release.js";
import { progressReporter } from "../../src/release/progress.js";
import { cacheContents, writeSums, type FakeTarball } from "./fake-release.js";
import { recordingStream, releaseFixture, temporaryFolder } from "./fixture.js";

async function assertServes(fetched: FetchedRelease, tarball: FakeTarball): Promise<void> {
  assert.equal(fetched.sha256, tarball.sha256);
  assert.ok((await readFile(fetched.path)).equals(tarball.bytes), `${fetched.path} has the bytes of ${tarball.fileName}`);
}

const rejectsWith = (pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ReleaseError, String(e));
  assert.match(e.message, pattern);
  return true;
};

const isEmpty = async (cacheDir: string) => assert.deepEqual(await cacheContents(cacheDir), { blobs: [], urls: [], temp: [] });

test("downloads, verifies and caches by content; fetching again makes no request, with or without expectedSha256", async (t) => {
  const { release, server, cacheDir, options, request, url } = await releaseFixture(t);
  const amd64 = release.tarballs.amd64;
  const output = recordingStream(false);
  const progress = progressReporter({ stream: output, quiet: false });

  const first = await fetchRelease(request(), { ...options, progress });
  assert.equal(first.fromCache, false);
  assert.equal(first.tarballUrl, url(amd64.urlPath));
  assert.equal(first.path, join(cacheDir, "sha256", amd64.sha256));
  assert.equal((await stat(first.path)).mode & 0o777, 0o444, "read-only");
  await assertServes(first, amd64);
  assert.deepEqual(server.requests.map((r) => r.path), [release.sumsUrlPath, amd64.urlPath]);
  const contents = await cacheContents(cacheDir);
  assert.equal(contents.blobs.length, 2, "the tarball and SHA256SUMS");
  assert.equal(contents.urls.length, 2);
  assert.deepEqual(contents.temp, []);
  assert.match(output.text(), /^etcd-v3\.6\.14-linux-amd64\.tar\.gz 256\.0 KiB in \d+\.\d s \(\d+\.\d [KMG]iB\/s\)\n$/);

  const again = await fetchRelease(request(), { ...options, progress });
  const pinned = await fetchRelease(request("amd64", amd64.sha256.toUpperCase()), options);
  for (const hit of [again, pinned]) {
    assert.equal(hit.fromCache, true);
    assert.equal(hit.path, first.path);
    await assertServes(hit, amd64);
  }
  assert.equal(server.requests.length, 2, "no request for cache hits");
  assert.match(output.text().split("\n")[1] ?? "", /^etcd-v3\.6\.14-linux-amd64\.tar\.gz 256\.0 KiB \(cached\)$/, "one line, no transfer figures");

  // The other arch shares the cached SHA256SUMS: one request, for its tarball.
  await assertServes(await fetchRelease(request("arm64"), options), release.tarballs.arm64);
  assert.deepEqual(server.requests.slice(2).map((r) => r.path), [release.tarballs.arm64.urlPath]);
});

test("a missing release is a clear error and leaves nothing in the cache", async (t) => {
  const { release, cacheDir, options, request, url } = await releaseFixture(t);
  const missingVersion = { ...request(), version: { ...release.version, patch: 99, text: "3.6.99" } };
  await assert.rejects(
    fetchRelease(missingVersion, options),
    rejectsWith(new RegExp(`^etcd 3\\.6\\.99 linux-amd64: no such release: ${url("/v3.6.99/SHA256SUMS")} \\(check etcd\\.version and etcd\\.downloadUrl\\)$`)),
  );
  await rm(join(release.rootDir, release.tarballs.arm64.urlPath));
  await assert.rejects(fetchRelease(request("arm64"), options), rejectsWith(new RegExp(`no such release: ${url(release.tarballs.arm64.urlPath)} `)));
  await isEmpty(cacheDir);
});

test("a tarball that does not match SHA256SUMS is refused and nothing is cached", async (t) => {
  const { release, server, cacheDir, options, request, url } = await releaseFixture(t);
  const { amd64, arm64 } = release.tarballs;
  await writeSums(release.rootDir, "3.6.14", [{ ...amd64, sha256: arm64.sha256 }]);
  const mismatch = new RegExp(
    `^checksum mismatch for etcd 3\\.6\\.14 linux-amd64: ${url(amd64.urlPath)} is serving a different file than SHA256SUMS says ` +
      `\\(expected ${arm64.sha256}, got ${amd64.sha256}\\); nothing was cached\\.`,
  );
  await assert.rejects(fetchRelease(request(), options), rejectsWith(mismatch));
  await isEmpty(cacheDir);
  // Pinned to what SHA256SUMS says, the same file is refused with both named.
  await assert.rejects(fetchRelease(request("amd64", arm64.sha256), options), rejectsWith(/than SHA256SUMS and the lock say \(expected/));
  await isEmpty(cacheDir);
  assert.equal(server.requests.filter((r) => r.path === amd64.urlPath).length, 2);
});

test("expectedSha256 wins over SHA256SUMS: a mirror listing another checksum than the lock is refused before downloading", async (t) => {
  const { release, server, cacheDir, options, request } = await releaseFixture(t);
  const { amd64, arm64 } = release.tarballs;
  await assert.rejects(
    fetchRelease(request("amd64", arm64.sha256), options),
    rejectsWith(new RegExp(`^checksum mismatch for etcd 3\\.6\\.14 linux-amd64: .*SHA256SUMS lists ${amd64.sha256}, but the lock pinned ${arm64.sha256}: the mirror serves a different file than the lock pinned; nothing was cached`)),
  );
  assert.deepEqual(server.requests.map((r) => r.path), [release.sumsUrlPath], "the tarball was not downloaded");
  await isEmpty(cacheDir);
  await assert.rejects(fetchRelease(request("amd64", "abc"), options), rejectsWith(/the pinned checksum "abc" is not 64 hex digits/));

  await writeSums(release.rootDir, "3.6.14", [arm64]);
  await assert.rejects(fetchRelease(request("amd64"), options), rejectsWith(/SHA256SUMS has no entry for etcd-v3\.6\.14-linux-amd64\.tar\.gz, so it cannot be verified/));
  await isEmpty(cacheDir);
});

test("offline: a cached release needs no server; a miss says to run once without --offline", async (t) => {
  const { release, server, cacheDir, options, request } = await releaseFixture(t);
  await fetchRelease(request(), options);
  await server.close();
  const offline = { ...options, offline: true };
  for (const req of [request(), request("amd64", release.tarballs.amd64.sha256)]) {
    const hit = await fetchRelease(req, offline);
    assert.equal(hit.fromCache, true);
    await assertServes(hit, release.tarballs.amd64);
  }
  await assert.rejects(
    fetchRelease(request("arm64"), offline),
    rejectsWith(new RegExp(`^etcd 3\\.6\\.14 linux-arm64: .*etcd-v3\\.6\\.14-linux-arm64\\.tar\\.gz is not in the cache at ${cacheDir}: run once without --offline$`)),
  );
});

test("concurrent fetches of the same and of different files share transfers and all get the right bytes", async (t) => {
  const { release, server, options, request } = await releaseFixture(t, { sizeBytes: 2 * 1024 * 1024 });
  const { amd64, arm64 } = release.tarballs;
  const fetched = await fetchReleases([request("amd64"), request("arm64"), request("amd64", amd64.sha256), request("arm64"), request("amd64")], options);
  for (const [i, tarball] of [amd64, arm64, amd64, arm64, amd64].entries()) await assertServes(fetched[i]!, tarball);
  const paths = server.requests.map((r) => r.path).sort();
  assert.deepEqual(paths, [release.sumsUrlPath, amd64.urlPath, arm64.urlPath].sort(), "each URL once");
});

test("separate processes fetching into one cache at once do not corrupt each other", async (t) => {
  const { release, cacheDir, request } = await releaseFixture(t, { sizeBytes: 4 * 1024 * 1024 });
  const moduleUrl = new URL("../../src/release/fetch-release.js", import.meta.url).href;
  const script = `
    const { fetchRelease } = await import(${JSON.stringify(moduleUrl)});
    const r = await fetchRelease(JSON.parse(process.argv[1]), { cacheDir: ${JSON.stringify(cacheDir)}, attempts: 1 });
    process.stdout.write(r.sha256);`;
  const runChild = () =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(request())], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited with ${code}`))));
    });
  const shas = await Promise.all([runChild(), runChild(), runChild()]);
  assert.deepEqual(shas, Array(3).fill(release.tarballs.amd64.sha256));
  const contents = await cacheContents(cacheDir);
  assert.deepEqual(contents.temp, []);
  assert.ok(contents.blobs.includes(release.tarballs.amd64.sha256));
  const hit = await fetchRelease(request(), { cacheDir, offline: true });
  await assertServes(hit, release.tarballs.amd64);
});

test("file:// URLs and plain folder paths are read from disk, verified and cached", async (t) => {
  const { release, cacheDir } = await releaseFixture(t);
  const { amd64, arm64 } = release.tarballs;
  const folderRequest = { downloadUrl: release.rootDir, version: release.version, arch: "amd64" as const };
  const fromFolder = await fetchRelease(folderRequest, { cacheDir });
  assert.equal(fromFolder.fromCache, false);
  assert.equal(fromFolder.tarballUrl, pathToFileURL(join(release.rootDir, amd64.urlPath)).href);
  await assertServes(fromFolder, amd64);

  const fileUrl = `${pathToFileURL(release.rootDir).href}/`;
  assert.equal((await fetchRelease({ ...folderRequest, downloadUrl: fileUrl }, { cacheDir })).fromCache, true, "the same files, the same cache entries");
  const otherCache = await temporaryFolder(t, "cache-file-url");
  const fromFileUrl = await fetchRelease({ ...folderRequest, downloadUrl: fileUrl, arch: "arm64" }, { cacheDir: otherCache });
  assert.equal(fromFileUrl.fromCache, false);
  assert.equal(fileURLToPath(fromFileUrl.tarballUrl), join(release.rootDir, arm64.urlPath));
  await assertServes(fromFileUrl, arm64);

  await writeSums(release.rootDir, "3.6.14", [{ ...arm64, sha256: amd64.sha256 }]);
  const freshCache = await temporaryFolder(t, "cache-tampered");
  await assert.rejects(fetchRelease({ ...folderRequest, arch: "arm64" }, { cacheDir: freshCache }), rejectsWith(/^checksum mismatch for etcd 3\.6\.14 linux-arm64: file:\/\//));
  await isEmpty(freshCache);
  await assert.rejects(fetchRelease({ ...folderRequest, version: { ...release.version, text: "3.6.1" } }, { cacheDir: freshCache }), rejectsWith(/no such release: file:\/\/.*\/v3\.6\.1\/SHA256SUMS/));
  await assert.rejects(fetchRelease({ ...folderRequest, downloadUrl: "relative/folder" }, { cacheDir: freshCache }), rejectsWith(/neither a URL nor an absolute folder path/));
  await assert.rejects(fetchRelease({ ...folderRequest, downloadUrl: "ftp://mirror.example/etcd" }, { cacheDir: freshCache }), rejectsWith(/only http:\/\/, https:\/\/ and file:\/\//));
});
