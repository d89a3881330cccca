// A release folder in the upstream layout whose "tarballs" are random bytes: enough for transfer,
// checksum and cache tests, and much faster than building real ones (makeUpstreamRelease).

import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { releaseArtifact } from "../../src/etcd/release.js";
import { parseEtcdVersion, type EtcdVersion } from "../../src/etcd/version.js";
import type { Arch } from "../../src/spec/types.js";

export interface FakeTarball {
  fileName: string;
  /** "/v3.6.14/etcd-v3.6.14-linux-amd64.tar.gz" */
  urlPath: string;
  bytes: Buffer;
  sha256: string;
}

export interface FakeRelease {
  rootDir: string;
  version: EtcdVersion;
  sumsUrlPath: string;
  tarballs: Record<Arch, FakeTarball>;
}

export function etcdVersion(text: string): EtcdVersion {
  const version = parseEtcdVersion(text);
  if (!version) throw new Error(`bad test version ${text}`);
  return version;
}

export async function makeFakeRelease(rootDir: string, versionText = "3.6.14", sizeBytes = 256 * 1024): Promise<FakeRelease> {
  const version = etcdVersion(versionText);
  const versionDir = join(rootDir, `v${versionText}`);
  await mkdir(versionDir, { recursive: true });
  const tarball = async (arch: Arch): Promise<FakeTarball> => {
    const fileName = `${releaseArtifact("", version, arch).name}.tar.gz`;
    const bytes = randomBytes(sizeBytes);
    await writeFile(join(versionDir, fileName), bytes);
    return { fileName, urlPath: `/v${versionText}/${fileName}`, bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
  };
  const tarballs = { amd64: await tarball("amd64"), arm64: await tarball("arm64") };
  await writeSums(rootDir, versionText, Object.values(tarballs));
  return { rootDir, version, sumsUrlPath: `/v${versionText}/SHA256SUMS`, tarballs };
}

/** Writes SHA256SUMS listing these files with these sums (which need not be their real ones). */
export async function writeSums(rootDir: string, versionText: string, entries: Array<{ fileName: string; sha256: string }>): Promise<void> {
  const text = entries.map((e) => `${e.sha256}  ${e.fileName}\n`).join("");
  await writeFile(join(rootDir, `v${versionText}`, "SHA256SUMS"), text);
}

/** What the cache holds: blob names, index entries, temp files. */
export async function cacheContents(cacheDir: string): Promise<{ blobs: string[]; urls: string[]; temp: string[] }> {
  const list = (sub: string) => readdir(join(cacheDir, sub)).catch(() => [] as string[]);
  return { blobs: await list("sha256"), urls: await list("urls"), temp: await list("tmp") };
}
