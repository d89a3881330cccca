import assert from "node:assert/strict";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runChecked, runCommand } from "./exec.js";
import { serveFolder } from "./http-server.js";
import { requirePrerequisites } from "./prerequisites.js";
import { installedEtcdVersion, makeUpstreamRelease, tamperRelease } from "./release.js";

async function temporaryFolder(t: { after(fn: () => Promise<void>): void }, label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `etcdboot-${label}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** curl's HTTP status for a request to the server (curl never follows or retries here). */
async function httpStatus(url: string, ...curlArgs: string[]): Promise<string> {
  return runChecked(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", ...curlArgs, url]);
}

test("serveFolder serves files by GET/HEAD, 404s missing files and escapes, records request paths", async (t) => {
  if (!requirePrerequisites(t, { commands: ["curl"] })) return;
  const outside = await temporaryFolder(t, "outside");
  await writeFile(join(outside, "secret"), "do not serve\n");
  const served = await temporaryFolder(t, "served");
  await writeFile(join(served, "hello.txt"), "hello\n");
  await symlink(join(outside, "secret"), join(served, "link-out"));
  const server = await serveFolder(served);
  t.after(() => server.close());

  assert.match(server.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(await runChecked(["curl", "-fsS", `${server.baseUrl}/hello.txt`]), "hello\n");
  assert.equal(await httpStatus(`${server.baseUrl}/hello.txt`, "-I"), "200");
  assert.equal(await httpStatus(`${server.baseUrl}/missing`), "404");
  assert.equal(await httpStatus(`${server.baseUrl}/`), "404", "no directory listing");
  const escape = `/../${outside.split("/").pop()}/secret`;
  assert.equal(await httpStatus(`${server.baseUrl}${escape}`, "--path-as-is"), "404");
  assert.equal(await httpStatus(`${server.baseUrl}/%2e%2e/%2e%2e/etc/passwd`, "--path-as-is"), "404");
  assert.equal(await httpStatus(`${server.baseUrl}/link-out`), "404", "symlink out of the folder");
  assert.equal(await httpStatus(`${server.baseUrl}/hello.txt`, "-X", "POST"), "405");
  assert.deepEqual(server.requests, ["/hello.txt", "/hello.txt", "/missing", "/", escape, "/%2e%2e/%2e%2e/etc/passwd", "/link-out", "/hello.txt"]);
});

test("makeUpstreamRelease: upstream layout, downloadable, SHA256SUMS verifies; a tampered tarball fails", async (t) => {
  if (!requirePrerequisites(t, { commands: ["curl", "tar", "sha256sum", "etcd", "etcdctl"] })) return;
  const version = await installedEtcdVersion();
  const releases = await temporaryFolder(t, "releases");
  const release = await makeUpstreamRelease(releases, version);
  const folder = `etcd-v${version}-linux-amd64`;
  assert.equal(release.tarballPath, join(releases, `v${version}`, `${folder}.tar.gz`));
  assert.equal(release.tarballUrlPath, `/v${version}/${folder}.tar.gz`);
  assert.match(release.sha256, /^[0-9a-f]{64}$/);

  const listing = await runChecked(["tar", "-tvzf", release.tarballPath]);
  const entries = listing.trim().split("\n").map((line) => ({ mode: line.split(/\s+/)[0] ?? "", name: line.split(/\s+/).pop() ?? "" }));
  assert.ok(entries.every((entry) => entry.name.startsWith(`${folder}/`)), "one top-level folder");
  for (const binary of release.binaries) assert.deepEqual(entries.find((entry) => entry.name === `${folder}/${binary}`)?.mode, "-rwxr-xr-x");
  assert.ok(entries.some((entry) => entry.name === `${folder}/README.md`));

  const server = await serveFolder(releases);
  t.after(() => server.close());
  const downloads = await temporaryFolder(t, "downloads");
  const download = (urlPath: string) => runChecked(["curl", "-fsS", "-O", `${server.baseUrl}${urlPath}`], { cwd: downloads });
  await download(release.tarballUrlPath);
  await download(`/v${version}/SHA256SUMS`);
  assert.equal(await runChecked(["sha256sum", "-c", "SHA256SUMS"], { cwd: downloads }), `${folder}.tar.gz: OK\n`);
  assert.deepEqual(server.requests, [release.tarballUrlPath, `/v${version}/SHA256SUMS`]);

  await tamperRelease(release);
  await download(release.tarballUrlPath);
  const check = await runCommand(["sha256sum", "-c", "SHA256SUMS"], { cwd: downloads });
  assert.notEqual(check.code, 0);
  assert.match(check.stdout, /FAILED/);
});
