// `etcdboot pin`: fetch and verify the etcd release of every arch the spec uses, then record
// URL and SHA-256 in the lock file. An existing entry must still match: a mirror that now
// serves a different file for the same release is an error, never a silent update.

import { releaseArtifact } from "../etcd/release.js";
import { archsInUse, lockedSha256, readLock, renderLock, writeLock, type LockedRelease } from "../lock/lock-file.js";
import { lockPathFor } from "../lock/lock-path.js";
import { fetchReleases, type FetchedRelease, type FetchOptions } from "../release/fetch-release.js";
import { loadValidSpec } from "./build.js";

export interface PinOptions {
  specFile: string;
  fetch: FetchOptions;
}

export interface PinReport {
  lockPath: string;
  releases: LockedRelease[];
  changed: boolean;
  /** Per release, how it was verified in this run. */
  verified: string[];
}

export async function runPin(options: PinOptions): Promise<PinReport> {
  const { spec } = await loadValidSpec(options.specFile, false);
  const lockPath = lockPathFor(options.specFile);
  const previous = await readLock(lockPath);
  const version = spec.etcd.version;
  const requests = archsInUse(spec).map((arch) => {
    const expectedSha256 = spec.etcd.sha256[arch] ?? lockedSha256(previous, version.text, arch);
    return { downloadUrl: spec.etcd.downloadUrl, version, arch, ...(expectedSha256 ? { expectedSha256 } : {}) };
  });
  // Re-pinning re-checks the mirror: a cached tarball alone would hide a mirror that changed.
  const fetched = await fetchReleases(requests, { ...options.fetch, recheckMirror: true });
  const releases = fetched.map((f) => ({
    version: version.text,
    arch: f.request.arch,
    url: releaseArtifact(spec.etcd.downloadUrl, version, f.request.arch).tarballUrl,
    sha256: f.sha256,
  }));
  const changed = previous === undefined || renderLock(previous) !== renderLock({ releases });
  if (changed) await writeLock(lockPath, { releases });
  return { lockPath, releases, changed, verified: fetched.map(howVerified) };
}

function howVerified(release: FetchedRelease): string {
  if (!release.fromCache) return "downloaded, verified against the mirror's SHA256SUMS";
  if (release.checkedAgainstMirror) return "cached, verified against the mirror's SHA256SUMS";
  return "cached; not checked against the mirror (--offline)";
}
