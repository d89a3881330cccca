// The SD card image's layout, without writing it: what FAT cannot hold is refused with the
// release's name and the file's path (never an internal error), files never overlap each other
// or the file system's own structures, and the same inputs give the same layout. The bytes
// themselves are read back by Debian's tools in test/integration/sd-image.test.ts.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { UserError } from "../../src/errors.js";
import { checkFatName } from "../../src/image/fat32.js";
import { BOOT_PARTITION_BYTES, BOOT_START_SECTOR, layOutSdImage, type SdImageRequest } from "../../src/image/sd-layout.js";

const MiB = 1024 * 1024;

function request(files: [string, number][], data = true): SdImageRequest {
  return { bootFiles: files.map(([path, size]) => ({ path, size })), source: "alpine-rpi-3.22.2-aarch64.tar.gz", identity: "test", data: data ? { label: "etcd-data" } : undefined };
}

describe("SD card image layout", () => {
  test("names FAT cannot hold are refused, naming the file", () => {
    for (const name of ["a:b", 'q"', "a*", "x?", "<", ">", "p|q", "back\\slash", "tab\there", "nul\0", "trailing.", "trailing ", ".", "..", "", "x".repeat(256)])
      assert.throws(() => checkFatName(name, "rel.tar.gz: boot/x"), (error: unknown) => error instanceof UserError && error.message.startsWith("rel.tar.gz: boot/x: the name"), JSON.stringify(name));
    for (const name of ["vmlinuz-rpi", "bcm2711-rpi-4-b.dtb", ".alpine-release", "ünïcode", "a b", "x".repeat(255)]) checkFatName(name, "ok");
  });

  test("two names that differ only in case, or a file where a folder is, are refused", () => {
    assert.throws(() => layOutSdImage(request([["boot/A", 1], ["boot/a", 1]])), /alpine-rpi-3\.22\.2-aarch64\.tar\.gz: boot\/a: listed twice/);
    assert.throws(() => layOutSdImage(request([["boot", 1], ["boot/a", 1]])), /boot: listed twice/);
  });

  test("a release too big for the boot partition is refused with a message, not an internal error", () => {
    assert.throws(() => layOutSdImage(request([["boot/huge", 300 * MiB]])), (error: unknown) => error instanceof UserError && /need more than the boot partition's 254 MiB/.test(error.message));
  });

  test("files lie in the boot partition's data area, without overlapping each other or any structure", () => {
    const files: [string, number][] = Array.from({ length: 200 }, (_, i) => [`overlays/a-very-long-overlay-name-${i}.dtbo`, 1000 + i * 37]);
    files.push(["boot/vmlinuz-rpi", 9 * MiB + 1], ["cmdline.txt", 40], ["empty", 0]);
    const layout = layOutSdImage(request(files));
    const spans = [
      ...layout.regions.map((r) => ({ what: `region at ${r.offset}`, start: r.offset, end: r.offset + r.bytes.length })),
      ...files.filter(([, size]) => size > 0).map(([path, size]) => ({ what: path, start: layout.fileOffsets.get(path)!, end: layout.fileOffsets.get(path)! + size })),
    ].sort((a, b) => a.start - b.start);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i - 1]!.end <= spans[i]!.start, `${spans[i - 1]!.what} overlaps ${spans[i]!.what}`);
    const bootStart = BOOT_START_SECTOR * 512;
    for (const [path, size] of files) if (size > 0) assert.ok(layout.fileOffsets.get(path)! >= bootStart && layout.fileOffsets.get(path)! + size <= bootStart + BOOT_PARTITION_BYTES, path);
    assert.equal(layout.fileOffsets.has("empty"), false, "an empty file has no cluster");
    assert.deepEqual(layOutSdImage(request(files)), layout, "the same inputs, the same layout");
    assert.notDeepEqual(layOutSdImage({ ...request(files), identity: "other" }).regions[0], layout.regions[0], "the disk signature follows the inputs");
  });

  test("without a data partition the image ends with the boot partition", () => {
    const layout = layOutSdImage(request([["cmdline.txt", 1]], false));
    assert.equal(layout.totalBytes, BOOT_START_SECTOR * 512 + BOOT_PARTITION_BYTES);
  });
});
