// etcdboot pin and the lock file: releases fetched once and verified, their checksums fixed
// in the lock, and first-boot installers pinned to them by build.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appendFile, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { serveFolder } from "../harness/http-server.js";
import { installedEtcdVersion, makeUpstreamRelease, tamperRelease, type UpstreamRelease } from "../harness/release.js";
import { runCli, tempDir } from "../support.js";

const run = runCli;

describe("etcdboot pin and the lock file", () => {
  let dir = "";
  let release: UpstreamRelease;
  let server: Awaited<ReturnType<typeof serveFolder>>;

  before(async () => {
    dir = await tempDir("pin");
    release = await makeUpstreamRelease(join(dir, "releases"), await installedEtcdVersion());
    server = await serveFolder(join(dir, "releases"));
  });
  after(() => server?.close());

  async function writeSpec(name: string, extraEtcd = "", hosts = "  - {name: a, address: 10.0.0.1}\n"): Promise<string> {
    const spec = join(dir, `${name}.yaml`);
    await writeFile(spec, `apiVersion: etcdboot/v1alpha1\ncluster: {name: ${name}}\netcd: {version: "${release.version}", downloadUrl: "${server.baseUrl}"${extraEtcd}}\nhosts:\n${hosts}`);
    return spec;
  }
  const cacheArgs = () => ["--cache-dir", join(dir, "cache"), "--quiet"];

  test("pin fetches, verifies and records the release; a second pin re-checks only SHA256SUMS, --offline makes no request", async () => {
    const spec = await writeSpec("pinned");
    const first = await run(["pin", spec, ...cacheArgs()]);
    assert.equal(first.code, 0, first.err);
    const lock = JSON.parse(await readFile(join(dir, "pinned.lock.json"), "utf8")) as { releases: { version: string; arch: string; url: string; sha256: string }[] };
    assert.deepEqual(lock.releases, [{ version: release.version, arch: "amd64", url: `${server.baseUrl}${release.tarballUrlPath}`, sha256: release.sha256 }]);
    const requests = server.requests.length;
    const second = await run(["pin", spec, ...cacheArgs()]);
    assert.equal(second.code, 0, second.err);
    assert.match(second.out, /\(cached, verified against the mirror's SHA256SUMS\)/);
    assert.match(second.out, /is up to date/);
    assert.deepEqual(server.requests.slice(requests), [`/v${release.version}/SHA256SUMS`], "the tarball came from the cache");
    const offline = await run(["pin", spec, ...cacheArgs(), "--offline"]);
    assert.equal(offline.code, 0, offline.err);
    assert.match(offline.out, /not checked against the mirror \(--offline\)/);
    assert.equal(server.requests.length, requests + 1, "--offline: no request");
  });

  test("build pins the first-boot download to the lock's checksum", async () => {
    const spec = await writeSpec("pinned");
    const built = await run(["build", spec, "--out", join(dir, "out"), "--pki", join(dir, "pki"), ...cacheArgs()]);
    assert.equal(built.code, 0, built.err);
    assert.doesNotMatch(built.err, /not pinned/);
    const userData = await readFile(join(dir, "out", "pinned", "hosts", "a", "user-data"), "utf8");
    assert.match(userData, new RegExp(`PINNED_SHA256='${release.sha256}'`));
  });

  test("an unpinned build warns, and --strict makes that an error", async () => {
    const spec = await writeSpec("loose");
    const args = ["build", spec, "--out", join(dir, "out"), "--pki", join(dir, "pki"), ...cacheArgs()];
    const loose = await run(args);
    assert.equal(loose.code, 0);
    assert.match(loose.err, /etcd .* for amd64 is not pinned: its hosts will trust the mirror's SHA256SUMS at boot \(run: etcdboot pin/);
    assert.equal((await run([...args, "--strict"])).code, 2);
  });

  test("a lock that disagrees with the mirror, or with the spec, stops everything", async () => {
    const spec = await writeSpec("drift");
    assert.equal((await run(["pin", spec, ...cacheArgs()])).code, 0);
    const lockPath = join(dir, "drift.lock.json");
    const lock = (await readFile(lockPath, "utf8")).replace(release.sha256, "0".repeat(64));
    await writeFile(lockPath, lock);
    const repin = await run(["pin", spec, "--cache-dir", join(dir, "other-cache"), "--quiet"]);
    assert.equal(repin.code, 1);
    assert.match(repin.err, /0{64}/);
    assert.equal(await readFile(lockPath, "utf8"), lock, "the lock is left as it was");

    const conflicting = await writeSpec("drift", `, sha256: {amd64: "${"1".repeat(64)}"}`);
    const build = await run(["build", conflicting, "--out", join(dir, "out"), "--pki", join(dir, "pki"), ...cacheArgs()]);
    assert.equal(build.code, 1);
    assert.match(build.err, /etcd\.sha256\.amd64 in the spec \(1{64}\) differs from .*drift\.lock\.json/);
  });

  test("an overlay build can take the release from a folder on this machine", async () => {
    const spec = join(dir, "folder.yaml");
    await writeFile(spec, `apiVersion: etcdboot/v1alpha1\ncluster: {name: folder}\netcd: {version: "${release.version}", downloadUrl: ${join(dir, "releases")}}\nhosts:\n  - {name: a, address: 10.0.0.1, target: alpine-virt, storage: {tmpfs: true}}\n`);
    const requests = server.requests.length;
    const result = await run(["build", spec, "--out", join(dir, "folder-out"), "--pki", join(dir, "pki"), "--cache-dir", join(dir, "folder-cache"), "--quiet"]);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /a: a\.apkovl\.tar\.gz \d+(\.\d)? (B|KiB|MiB)$/m);
    assert.equal(server.requests.length, requests, "no HTTP request");
  });

  test("an overlay build with --offline and an empty cache fails clearly and writes no output", async () => {
    const spec = await writeSpec("offline", "", "  - {name: a, address: 10.0.0.1, target: alpine-virt, storage: {tmpfs: true}}\n");
    const result = await run(["build", spec, "--out", join(dir, "offline-out"), "--pki", join(dir, "pki"), "--cache-dir", join(dir, "empty-cache"), "--offline"]);
    assert.equal(result.code, 1);
    assert.match(result.err, /not in the cache/);
    await assert.rejects(readFile(join(dir, "offline-out", "offline", "manifest.json")));
  });

  test("re-pinning with a warm cache notices a mirror that changed its SHA256SUMS or its tarball", async () => {
    const mirror = await makeUpstreamRelease(join(dir, "changing"), release.version);
    const changing = await serveFolder(join(dir, "changing"));
    try {
      const spec = join(dir, "changing.yaml");
      await writeFile(spec, `apiVersion: etcdboot/v1alpha1\ncluster: {name: changing}\netcd: {version: "${mirror.version}", downloadUrl: "${changing.baseUrl}"}\nhosts:\n  - {name: a, address: 10.0.0.1}\n`);
      const lockPath = join(dir, "changing.lock.json");
      const pin = async () => {
        const before = changing.requests.length;
        const result = await run(["pin", spec, "--cache-dir", join(dir, "changing-cache"), "--quiet"]);
        return { ...result, requests: changing.requests.slice(before) };
      };
      assert.equal((await pin()).code, 0);
      const lock = await readFile(lockPath, "utf8");
      const sums = `/v${mirror.version}/SHA256SUMS`;

      // Another file listed: this entry is unchanged, but the tarball is fetched again to be sure.
      await appendFile(mirror.sumsPath, `${"a".repeat(64)}  etcd-v${mirror.version}-linux-arm64.tar.gz\n`);
      const listedMore = await pin();
      assert.equal(listedMore.code, 0, listedMore.err);
      assert.deepEqual(listedMore.requests, [sums, mirror.tarballUrlPath]);
      assert.equal(await readFile(lockPath, "utf8"), lock, "the lock is unchanged");
      const settled = await pin();
      assert.deepEqual([settled.code, settled.requests], [0, [sums]], "the new SHA256SUMS is remembered once verified");

      // Re-published under the same SHA256SUMS entry: the downloaded tarball does not match it.
      await tamperRelease(mirror);
      await appendFile(mirror.sumsPath, `${"b".repeat(64)}  etcd-v${mirror.version}-linux-ppc64le.tar.gz\n`);
      const swapped = await pin();
      assert.equal(swapped.code, 1);
      assert.match(swapped.err, /checksum mismatch .* is serving a different file than SHA256SUMS and the lock say/);

      // Re-published with a matching SHA256SUMS: the lock's checksum is no longer the mirror's.
      const republished = createHash("sha256").update(await readFile(mirror.tarballPath)).digest("hex");
      await writeFile(mirror.sumsPath, `${republished}  ${mirror.tarballName}\n`);
      const drifted = await pin();
      assert.equal(drifted.code, 1);
      assert.deepEqual(drifted.requests, [sums], "refused before downloading");
      assert.match(drifted.err, new RegExp(`SHA256SUMS lists ${republished}, but the lock pinned ${mirror.sha256}`));
      assert.equal(await readFile(lockPath, "utf8"), lock, "the lock is left as it was");

      // Without a lock, the cache remembers what the mirror served.
      await rm(lockPath);
      const unpinned = await pin();
      assert.equal(unpinned.code, 1);
      assert.match(unpinned.err, new RegExp(`now lists ${republished}, but .* served ${mirror.sha256} when it was verified and cached`));
      await assert.rejects(readFile(lockPath), "no lock is written");
    } finally {
      await changing.close();
    }
  });
});
