// Section 3: an Alpine overlay with etcd's binaries bundled, against `tar czf` of the same files.
// The release is Debian's etcd in the upstream layout in a local folder (etcd.downloadUrl points
// at it), already in the cache: one untimed build first, so no run includes the download. The
// files `tar czf` packs are that build's overlay, unpacked.

import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runChecked } from "../harness/exec.js";
import { installedEtcdVersion, makeUpstreamRelease } from "../harness/release.js";
import { buildArgs, buildEnv, type BuildFolders } from "./etcdboot-cli.js";
import { median, progress, ratio, runsList, seconds, timeProcess } from "./measure.js";
import { renderTable } from "./table.js";

const RUNS = 5;
const HOST = "pi-1";
const MiB = 2 ** 20;

export interface OverlayResult {
  etcdVersion: string;
  etcdboot: number[];
  tarCzf: number[];
  overlayBytes: number;
  tarCzfBytes: number;
  /** Bytes of the files themselves. */
  contentBytes: number;
}

function overlaySpec(version: string, mirror: string): string {
  return [
    "apiVersion: etcdboot/v1alpha1",
    "cluster: {name: overlay}",
    `etcd: {version: "${version}", downloadUrl: ${mirror}, install: bundle}`,
    "hosts:",
    `  - {name: ${HOST}, address: 192.168.7.11, target: alpine-virt, storage: {tmpfs: true}}`,
    "",
  ].join("\n");
}

export async function runOverlayBench(workDir: string): Promise<OverlayResult> {
  const root = join(workDir, "overlay");
  const mirror = join(root, "mirror");
  const etcdVersion = await installedEtcdVersion();
  progress(`overlay: building an upstream-layout release of etcd ${etcdVersion} from Debian's binaries`);
  await makeUpstreamRelease(mirror, etcdVersion);
  const specFile = join(root, "cluster.yaml");
  await writeFile(specFile, overlaySpec(etcdVersion, mirror));
  const env = buildEnv(join(root, "cache"));
  const build = async (name: string): Promise<{ seconds: number; overlay: string }> => {
    const folders: BuildFolders = { dir: join(root, name), specFile };
    await mkdir(folders.dir, { recursive: true });
    const elapsed = await timeProcess([process.execPath, ...buildArgs(folders)], { env });
    return { seconds: elapsed, overlay: join(folders.dir, "out", "overlay", "hosts", HOST, `${HOST}.apkovl.tar.gz`) };
  };

  progress("overlay: untimed build to fill the release cache");
  const reference = await build("warm-cache");
  const files = join(root, "files");
  await mkdir(files);
  await runChecked(["tar", "-xzf", reference.overlay, "--numeric-owner", "-C", files]);
  const result: OverlayResult = {
    etcdVersion,
    etcdboot: [],
    tarCzf: [],
    overlayBytes: (await stat(reference.overlay)).size,
    tarCzfBytes: 0,
    contentBytes: Number((await runChecked(["du", "-sb", files])).split("\t")[0]),
  };
  for (let run = 1; run <= RUNS; run++) {
    progress(`overlay: run ${run} of ${RUNS}`);
    result.etcdboot.push((await build(`run-${run}`)).seconds);
    const archive = join(root, `tar-czf-${run}.tar.gz`);
    result.tarCzf.push(await timeProcess(["tar", "czf", archive, "-C", files, "."]));
    result.tarCzfBytes = (await stat(archive)).size;
  }
  await rm(root, { recursive: true, force: true });
  return result;
}

export function renderOverlayTable(result: OverlayResult): string {
  const [ours, tar] = [median(result.etcdboot), median(result.tarCzf)];
  const table = renderTable(
    ["tool", "median s", "size MiB", "runs (s)"],
    [
      ["etcdboot build (1 Alpine host)", seconds(ours), (result.overlayBytes / MiB).toFixed(2), runsList(result.etcdboot)],
      ["tar czf of the same files", seconds(tar), (result.tarCzfBytes / MiB).toFixed(2), runsList(result.tarCzf)],
    ],
  );
  return [
    `One alpine-virt host with etcd ${result.etcdVersion} bundled (Debian's binaries in the upstream release layout, in a local folder).`,
    "etcdboot = the whole build (process start, spec, PKI, release from a warm cache: the first build is not timed, then unpacking,",
    `the overlay, writing); tar czf packs the files of that overlay, unpacked (${(result.contentBytes / MiB).toFixed(1)} MiB). Median of ${RUNS} runs, taking turns.`,
    "",
    table,
    "",
    `ratio etcdboot/tar czf (time): ${ratio(ours / tar)}; size: ${ratio(result.overlayBytes / result.tarCzfBytes)}`,
  ].join("\n");
}
