// A stand-in for Alpine's Raspberry Pi release, built at test time and shaped like the real one:
// alpine-rpi-<version>-aarch64.tar.gz holding ./.alpine-release, cmdline.txt, config.txt, the
// firmware files, boot/ (kernel, initramfs, modloop), apks/aarch64/ and overlays/ with long
// names, with <tarball>.sha256 beside it ("<hex>  <name>", as Alpine publishes it). Contents are
// random bytes, so a file put in the wrong place or cut short cannot go unnoticed.

import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { runChecked } from "./exec.js";

export interface FakeAlpineRelease {
  fileName: string;
  tarballPath: string;
  sumsPath: string;
  sha256: string;
  /** The unpacked files by path ("boot/vmlinuz-rpi"), the bytes the boot partition must hold. */
  files: Map<string, Buffer>;
}

const KiB = 1024;

/** Path → size; a few hundred KiB in all, with the kinds of names the real release has. */
function releaseShape(version: string): Map<string, Buffer | number> {
  const shape = new Map<string, Buffer | number>([
    [".alpine-release", Buffer.from(`alpine-rpi-${version} 251105\n`)],
    ["cmdline.txt", Buffer.from("modules=loop,squashfs,sd-mod,usb-storage quiet console=tty1\n")],
    ["config.txt", Buffer.from("[pi4]\nkernel=boot/vmlinuz-rpi\ninitramfs boot/initramfs-rpi\narm_64bit=1\ninclude usercfg.txt\n")],
    ["bootcode.bin", 52 * KiB],
    ["start4.elf", 300 * KiB],
    ["fixup4.dat", 5 * KiB],
    ["bcm2711-rpi-4-b.dtb", 50 * KiB],
    ["bcm2710-rpi-3-b-plus.dtb", 30 * KiB],
    ["boot/vmlinuz-rpi", 700 * KiB + 123],
    ["boot/initramfs-rpi", 200 * KiB + 7],
    ["boot/modloop-rpi", 400 * KiB],
    ["boot/config-6.12.13-0-rpi", 1],
    ["apks/aarch64/APKINDEX.tar.gz", 20 * KiB],
    ["apks/aarch64/alpine-base-3.22.2-r0.apk", 3 * KiB],
    ["apks/aarch64/e2fsprogs-1.47.2-r1.apk", 90 * KiB],
    ["apks/.boot_repository", 0],
  ]);
  for (let i = 0; i < 30; i++) shape.set(`overlays/vc4-kms-dsi-waveshare-panel-number-${i}.dtbo`, 2 * KiB + i);
  shape.set("overlays/README", 40 * KiB);
  return shape;
}

/** extraBytes: one more file of that many random bytes (boot/firmware.bin), for a release that takes a while to write. */
export async function makeFakeAlpineRelease(dir: string, version = "3.22.2", extraBytes = 0): Promise<FakeAlpineRelease> {
  const tree = join(dir, "tree");
  const files = new Map<string, Buffer>();
  const shape = releaseShape(version);
  if (extraBytes > 0) shape.set("boot/firmware.bin", extraBytes);
  for (const [path, content] of shape) {
    const bytes = typeof content === "number" ? randomBytes(content) : content;
    files.set(path, bytes);
    await mkdir(dirname(join(tree, path)), { recursive: true });
    await writeFile(join(tree, path), bytes);
  }
  const fileName = `alpine-rpi-${version}-aarch64.tar.gz`;
  const tarballPath = join(dir, fileName);
  await runChecked(["tar", "-C", tree, "--owner=0", "--group=0", "--numeric-owner", "--sort=name", "-czf", tarballPath, "."]);
  const sha256 = createHash("sha256").update(await readFile(tarballPath)).digest("hex");
  const sumsPath = `${tarballPath}.sha256`;
  await writeFile(sumsPath, `${sha256}  ${fileName}\n`);
  return { fileName, tarballPath, sumsPath, sha256, files };
}
