// Builds, from the etcd binaries installed on this machine, a folder laid out like the upstream
// release downloads, so the product's download-and-verify step can be exercised offline:
//   <rootDir>/v<version>/etcd-v<version>-linux-amd64.tar.gz   (one top-level folder etcd-v<version>-linux-amd64/)
//   <rootDir>/v<version>/SHA256SUMS                           ("<sha256hex>  <file name>" lines)

import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { appendFile, chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runChecked } from "./exec.js";

export interface UpstreamRelease {
  version: string;
  /** <rootDir>/v<version> */
  versionDir: string;
  /** "etcd-v<version>-linux-amd64.tar.gz" */
  tarballName: string;
  tarballPath: string;
  /** "/v<version>/etcd-v<version>-linux-amd64.tar.gz": append to an HTTP base URL serving rootDir. */
  tarballUrlPath: string;
  sumsPath: string;
  /** Hex sha256 of the tarball as listed in SHA256SUMS. */
  sha256: string;
  /** The binaries inside the tarball's folder. */
  binaries: string[];
}

export interface ReleaseOptions {
  /** Only amd64: the binaries come from this machine, which must be x86-64. */
  arch?: "amd64";
}

const INSTALLED_BINARIES = ["etcd", "etcdctl", "etcdutl"] as const;
const BINARY_SOURCE_DIR = "/usr/bin";

export async function makeUpstreamRelease(rootDir: string, version: string, opts: ReleaseOptions = {}): Promise<UpstreamRelease> {
  const arch = opts.arch ?? "amd64";
  if (process.arch !== "x64") throw new Error(`makeUpstreamRelease: ${arch} binaries need an x86-64 machine, this is ${process.arch}`);
  const folderName = `etcd-v${version}-linux-${arch}`;
  const tarballName = `${folderName}.tar.gz`;
  const versionDir = join(rootDir, `v${version}`);
  await mkdir(versionDir, { recursive: true });

  const tarballPath = join(versionDir, tarballName);
  // Staged outside rootDir so a server already serving rootDir never shows a half-built release.
  const staging = await mkdtemp(join(tmpdir(), "etcdboot-release-"));
  let binaries: string[];
  try {
    binaries = await stageReleaseFolder(join(staging, folderName), version);
    await runChecked(["tar", "-C", staging, "--owner=0", "--group=0", "--numeric-owner", "-czf", tarballPath, folderName]);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  const sha256 = await sha256File(tarballPath);
  const sumsPath = join(versionDir, "SHA256SUMS");
  await writeFile(sumsPath, `${sha256}  ${tarballName}\n`);
  return { version, versionDir, tarballName, tarballPath, tarballUrlPath: `/v${version}/${tarballName}`, sumsPath, sha256, binaries };
}

/** Copies the installed binaries (etcdutl only when this machine has it) and a README into folder. */
async function stageReleaseFolder(folder: string, version: string): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const binaries = INSTALLED_BINARIES.filter((name) => existsSync(join(BINARY_SOURCE_DIR, name)));
  if (!binaries.includes("etcd") || !binaries.includes("etcdctl")) {
    throw new Error(`makeUpstreamRelease: ${BINARY_SOURCE_DIR}/etcd and etcdctl are required`);
  }
  for (const name of binaries) {
    await copyFile(join(BINARY_SOURCE_DIR, name), join(folder, name));
    await chmod(join(folder, name), 0o755);
  }
  await writeFile(join(folder, "README.md"), `# etcd v${version}\n\nTest release built by the etcdboot test harness from this machine's etcd binaries.\n`);
  return binaries;
}

/** Makes the tarball's bytes differ from SHA256SUMS (it still unpacks), to test checksum refusal. */
export async function tamperRelease(release: UpstreamRelease): Promise<void> {
  await appendFile(release.tarballPath, Buffer.from("tampered by the test harness\n"));
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** "3.4.23": the version of /usr/bin/etcd. Boot tests should label releases with it, since the
 * product writes version-specific config that an older binary would refuse. */
export async function installedEtcdVersion(): Promise<string> {
  const output = await runChecked([join(BINARY_SOURCE_DIR, "etcd"), "--version"]);
  const match = /^etcd Version: (\S+)$/m.exec(output);
  if (!match?.[1]) throw new Error(`cannot read the version from etcd --version: ${output}`);
  return match[1];
}
