// `etcdboot image HOST [SPEC] --alpine FILE|URL`: a ready-to-flash SD card image of one Raspberry
// Pi host, and the same boot files as a zip. It takes the host's overlay from the last build
// (checked against manifest.json: the build must be whole and current for that host's spec),
// and Alpine's rpi release, verified, from the release cache. Holds the PKI folder's lock, so no
// build swaps the output folder away meanwhile. Nothing is written unless every check passed.

import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { apkovlFileName } from "../encoders/apkovl.js";
import { MANIFEST } from "../encoders/output-tree.js";
import { UsageError, UserError } from "../errors.js";
import { formatBytes } from "../human-size.js";
import { chooseDataPartition } from "../image/data-partition.js";
import { listBootFiles } from "../image/alpine-boot-files.js";
import { layOutSdImage } from "../image/sd-layout.js";
import { writeSdImage } from "../image/write-image.js";
import { lockFolder } from "../pki/folder-lock.js";
import { alpineSourceUrl, fetchAlpineRelease } from "../release/alpine-release.js";
import type { FetchOptions } from "../release/fetch-release.js";
import { sha256OfFile } from "../release/hash.js";
import { silentProgress } from "../release/progress.js";
import type { Host, Spec } from "../spec/types.js";
import { loadValidSpec } from "./build.js";
import { existingPkiDir } from "./read-pki.js";

export interface ImageRequest {
  host: string;
  specFile: string;
  outRoot: string;
  pkiRoot: string;
  alpine: string;
  alpineSha256?: string;
  fetch: FetchOptions;
}

export interface ImageReport {
  imagePath: string;
  zipPath: string;
  imageBytes: number;
  bootUsedBytes: number;
  bootCapacityBytes: number;
  alpine: { fileName: string; sha256: string };
  notes: string[];
}

/** alpine-rpi-3.22.2-aarch64.tar.gz → "v3.22"; undefined for a name not shaped like that. */
export function alpineBranchOf(fileName: string): string | undefined {
  const match = /^alpine-rpi-(\d+)\.(\d+)\.\d+(?:_rc\d+)?-aarch64\.tar\.gz$/.exec(fileName);
  return match ? `v${match[1]}.${match[2]}` : undefined;
}

function imageHost(spec: Spec, name: string, specFile: string): Host {
  const host = spec.hosts.find((h) => h.name === name);
  if (!host) {
    const pis = spec.hosts.filter((h) => h.target.name === "alpine-rpi").map((h) => h.name);
    const choices = pis.length === 0 ? "it has no alpine-rpi host" : `choose one of its alpine-rpi hosts: ${pis.slice(0, 10).join(", ")}${pis.length > 10 ? `, … (${pis.length} in all)` : ""}`;
    throw new UsageError(`${specFile} has no host ${JSON.stringify(name)}: ${choices}`);
  }
  if (host.target.format !== "apkovl")
    throw new UserError(`${name} is a ${host.target.name} host, set up by cloud-init: it gets its user-data (and a seed image) from etcdboot build, not an SD card image`);
  if (host.target.name !== "alpine-rpi") throw new UserError(`${name} is an ${host.target.name} host: SD card images are for target alpine-rpi (a Raspberry Pi)`);
  if (host.arch !== "arm64") throw new UserError(`${name} has arch ${host.arch}: Alpine's Raspberry Pi release for SD card images is aarch64: set arch: arm64`);
  return host;
}

/** The release must be the branch the overlay's apk repositories name, or packages would not match. */
function checkAlpineName(fileName: string, spec: Spec): void {
  const branch = alpineBranchOf(fileName);
  if (branch === undefined) throw new UserError(`--alpine ${fileName}: expected Alpine's Raspberry Pi release for aarch64, named alpine-rpi-<version>-aarch64.tar.gz`);
  if (spec.alpine.branch !== "edge" && branch !== spec.alpine.branch)
    throw new UserError(`--alpine ${fileName} is Alpine ${branch}, but the spec's alpine.branch is ${spec.alpine.branch}: use a ${spec.alpine.branch} release, or change alpine.branch and build again`);
}

/** The host's overlay from the last build, whole: its SHA-256 is the one manifest.json lists. */
async function builtOverlay(outputDir: string, host: Host, specFile: string): Promise<{ name: string; path: string; sha256: string; bytes: number }> {
  const name = apkovlFileName(host.name);
  const relative = `hosts/${host.name}/${name}`;
  const path = join(outputDir, relative);
  const notBuilt = (why: string) => new UserError(`${path} ${why}: run etcdboot build ${specFile} first (with the same --out)`);
  const manifestText = await readFile(join(outputDir, MANIFEST), "utf8").catch(() => undefined);
  let listed: string | undefined;
  try {
    const manifest = JSON.parse(manifestText ?? "null") as { files?: { path?: unknown; sha256?: unknown }[] } | null;
    const entry = manifest?.files?.find((f) => f.path === relative);
    listed = typeof entry?.sha256 === "string" ? entry.sha256 : undefined;
  } catch {
    throw notBuilt(`cannot be checked (${MANIFEST} is damaged)`);
  }
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw notBuilt("does not exist");
  if (listed === undefined) throw notBuilt(`is not listed in ${MANIFEST}`);
  const actual = await sha256OfFile(path);
  if (actual !== listed) throw notBuilt(`is not the file the last build wrote (its SHA-256 differs from ${MANIFEST})`);
  return { name, path, sha256: actual, bytes: info.size };
}

export async function runImage(request: ImageRequest): Promise<ImageReport> {
  const { spec } = await loadValidSpec(request.specFile, false);
  const host = imageHost(spec, request.host, request.specFile);
  const data = chooseDataPartition(host);
  const fileName = decodeURIComponent(alpineSourceUrl(request.alpine).pathname.split("/").pop() ?? "");
  checkAlpineName(fileName, spec);
  const pkiDir = await existingPkiDir(request.pkiRoot, spec.cluster.name);
  const lock = await lockFolder(pkiDir); // no build may replace the output folder while the image is written into it
  try {
    const outputDir = resolve(request.outRoot, spec.cluster.name);
    const overlay = await builtOverlay(outputDir, host, request.specFile);
    const alpine = await fetchAlpineRelease({ source: request.alpine, ...(request.alpineSha256 !== undefined ? { expectedSha256: request.alpineSha256 } : {}) }, request.fetch);
    const releaseFiles = await listBootFiles(alpine.path, fileName);
    const bootFiles = [...releaseFiles, { path: overlay.name, size: overlay.bytes }];
    const layout = layOutSdImage({ bootFiles, source: fileName, identity: JSON.stringify([host.name, alpine.sha256, overlay.sha256]), data: data.partition });
    const folder = join(outputDir, "hosts", host.name);
    const imagePath = join(folder, `${host.name}.img`);
    const zipPath = join(folder, `${host.name}-boot.zip`);
    await writeSdImage({
      imagePath,
      zipPath,
      layout,
      tarballPath: alpine.path,
      tarballName: fileName,
      overlay,
      contentBytes: bootFiles.reduce((sum, f) => sum + f.size, 0),
      progress: request.fetch.progress ?? silentProgress,
    });
    return {
      imagePath,
      zipPath,
      imageBytes: layout.totalBytes,
      bootUsedBytes: layout.bootUsedBytes,
      bootCapacityBytes: layout.bootCapacityBytes,
      alpine: { fileName, sha256: alpine.sha256 },
      notes: [data.note],
    };
  } finally {
    await lock.release();
  }
}

export function formatImageReport(host: string, report: ImageReport): string[] {
  return [
    `${host}: ${report.imagePath} ${formatBytes(report.imageBytes)} (boot partition ${formatBytes(report.bootUsedBytes)} of ${formatBytes(report.bootCapacityBytes)} used; ${report.notes.join("; ")})`,
    `${host}: ${report.zipPath} (the boot partition's files, for a card formatted FAT32 by hand)`,
    `  from ${report.alpine.fileName} (sha256 ${report.alpine.sha256}); flash with Raspberry Pi Imager, balenaEtcher or dd`,
  ];
}
