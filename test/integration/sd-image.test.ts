// `etcdboot image`: the SD card image of a Raspberry Pi host, read back with Debian's own tools
// and never with ours — sfdisk/fdisk (partition table, types, alignment), fsck.fat -n (a clean
// FAT32), mtools (every boot file and the overlay byte for byte), blkid (labels and types),
// e2fsck -fn and debugfs (the ext4 data partition), unzip (the boot zip). The Alpine release
// is a stand-in built at test time (test/harness/alpine-release.ts), served from a folder or
// over HTTP on 127.0.0.1.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { appendFile, copyFile, link, mkdir, open, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import { makeFakeAlpineRelease, type FakeAlpineRelease } from "../harness/alpine-release.js";
import { findCommand, runChecked, runCommand } from "../harness/exec.js";
import { serveFolder } from "../harness/http-server.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { REPO, runCli, tempDir } from "../support.js";

const TOOLS = ["sfdisk", "fdisk", "fsck.vfat", "mdir", "mcopy", "blkid", "e2fsck", "debugfs", "unzip", "tar", "cmp"] as const;
const MiB = 1024 * 1024;
const BOOT_OFFSET = MiB;
const DATA_OFFSET = 257 * MiB;
const DATA_UUID = "0b7e5e3c-54f1-4d6a-9a43-2c1f0e9d8b71";

const SPEC = `apiVersion: etcdboot/v1alpha1
cluster: {name: edge}
etcd: {install: fetch}
hosts:
  - {name: pi-1, address: 192.168.7.11, target: alpine-rpi, arch: arm64, storage: {device: LABEL=etcd-data}}
  - {name: pi-2, address: 192.168.7.12, target: alpine-rpi, arch: arm64, storage: {device: "UUID=${DATA_UUID}"}}
  - {name: pi-3, address: 192.168.7.13, target: alpine-rpi, arch: arm64, storage: {tmpfs: true}}
  - {name: pi-4, address: 192.168.7.14, target: alpine-rpi, arch: arm64, storage: {device: PARTLABEL=data}}
  - {name: vm-1, address: 192.168.7.15}
`;

const tool = (name: (typeof TOOLS)[number]) => findCommand(name) ?? name;

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** A copy of one partition as its own file (fsck.fat reads whole devices only), sparse like the image: zero blocks are skipped. */
async function copyRange(image: string, offset: number, bytes: number, target: string): Promise<void> {
  const handle = await open(target, "wx", 0o600);
  try {
    let position = 0;
    for await (const chunk of createReadStream(image, { start: offset, end: offset + bytes - 1, highWaterMark: MiB })) {
      const data = chunk as Buffer;
      if (data.some((byte) => byte !== 0)) await handle.write(data, 0, data.length, position);
      position += data.length;
    }
    await handle.truncate(bytes);
  } finally {
    await handle.close();
  }
}

/** Every file under dir, relative path → bytes. */
async function treeFiles(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path.slice(dir.length + 1), await readFile(path));
  }
  return files;
}

describe("etcdboot image: a ready-to-flash SD card image per Raspberry Pi", () => {
  let dir = "";
  let release: FakeAlpineRelease;
  const out = () => join(dir, "out");
  const pki = () => join(dir, "pki");
  const spec = () => join(dir, "cluster.yaml");
  const hostDir = (host: string) => join(out(), "edge", "hosts", host);
  const image = (host: string, ...extra: string[]) =>
    runCli(["image", host, spec(), "--out", out(), "--pki", pki(), "--cache-dir", join(dir, "cache"), "--quiet", "--alpine", release.tarballPath, ...extra]);

  before(async () => {
    dir = await tempDir("sd-image");
    release = await makeFakeAlpineRelease(join(dir, "release"));
    await writeFile(spec(), SPEC);
    const built = await runCli(["build", spec(), "--out", out(), "--pki", pki(), "--quiet"]);
    assert.equal(built.code, 0, built.err);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("the partition table: MBR, a bootable FAT32 (LBA) partition and a Linux one, both 1 MiB aligned, under 1 GiB", async (t) => {
    if (!requirePrerequisites(t, { commands: TOOLS })) return;
    const made = await image("pi-1");
    assert.equal(made.code, 0, made.err);
    const img = join(hostDir("pi-1"), "pi-1.img");
    const table = JSON.parse(await runChecked([tool("sfdisk"), "-J", img])) as { partitiontable: { label: string; partitions: { start: number; size: number; type: string; bootable?: boolean }[] } };
    assert.equal(table.partitiontable.label, "dos");
    const [boot, data, ...rest] = table.partitiontable.partitions;
    assert.deepEqual(rest, []);
    assert.deepEqual({ start: boot!.start, size: boot!.size, type: boot!.type, bootable: boot!.bootable }, { start: 2048, size: 524288, type: "c", bootable: true });
    assert.deepEqual({ start: data!.start, size: data!.size, type: data!.type }, { start: 2048 + 524288, size: 1310720, type: "83" });
    for (const p of [boot!, data!]) assert.equal((p.start * 512) % MiB, 0, "1 MiB aligned");
    const size = (await stat(img)).size;
    assert.equal(size, (data!.start + data!.size) * 512);
    assert.ok(size <= 1024 * MiB, `${size} bytes is over 1 GiB`);
    const fdisk = await runChecked([tool("fdisk"), "-l", img]);
    assert.match(fdisk, /W95 FAT32 \(LBA\)/);
    assert.match(fdisk, /pi-1\.img2\s+526336\s+1837055\s+1310720\s+640M\s+83 Linux/);
    assert.doesNotMatch(fdisk, /not aligned|does not start on physical sector boundary/);
  });

  test("the boot partition is a clean FAT32 holding every release file and the overlay, byte for byte; the zip holds the same", async (t) => {
    if (!requirePrerequisites(t, { commands: TOOLS })) return;
    const img = join(hostDir("pi-1"), "pi-1.img");
    const bootFat = join(dir, "boot.fat");
    await copyRange(img, BOOT_OFFSET, 256 * MiB, bootFat);
    try {
      const fsck = await runCommand([tool("fsck.vfat"), "-n", bootFat]);
      assert.equal(fsck.code, 0, `fsck.vfat -n: ${fsck.stdout}${fsck.stderr}`);
      assert.doesNotMatch(fsck.stdout, /differ|wrong|invalid|Free cluster summary/i, fsck.stdout);
    } finally {
      await rm(bootFat, { force: true });
    }

    const overlay = await readFile(join(hostDir("pi-1"), "pi-1.apkovl.tar.gz"));
    const expected = new Map(release.files);
    expected.set("pi-1.apkovl.tar.gz", overlay);

    // mtools reads the partition inside the image at its offset: the copy above plays no part.
    const copied = join(dir, "from-fat");
    await mkdir(copied);
    await runChecked([tool("mcopy"), "-s", "-n", "-i", `${img}@@${BOOT_OFFSET}`, "::/*", "::/.alpine-release", copied]);
    const onFat = await treeFiles(copied);
    assert.deepEqual([...onFat.keys()].sort(), [...expected.keys()].sort());
    for (const [path, bytes] of expected) assert.equal(sha256(onFat.get(path)!), sha256(bytes), path);
    const top = await runChecked([tool("mdir"), "-b", "-i", `${img}@@${BOOT_OFFSET}`, "::/"]);
    assert.deepEqual(top.split("\n").filter((line) => line.endsWith(".apkovl.tar.gz")), ["::/pi-1.apkovl.tar.gz"], "the host's overlay is the only one at the top");
    // The Pi 3's boot ROM finds bootcode.bin by its 8.3 name.
    assert.match(await runChecked([tool("mdir"), "-i", `${img}@@${BOOT_OFFSET}`, "::/"]), /^BOOTCODE BIN\s/m);

    const unzipped = join(dir, "from-zip");
    await runChecked([tool("unzip"), "-q", join(hostDir("pi-1"), "pi-1-boot.zip"), "-d", unzipped]);
    const inZip = await treeFiles(unzipped);
    assert.deepEqual([...inZip.keys()].sort(), [...expected.keys()].sort());
    for (const [path, bytes] of expected) assert.equal(sha256(inZip.get(path)!), sha256(bytes), `zip: ${path}`);
  });

  test("blkid finds the boot partition as ALPINE (vfat) and the data partition by the spec's label (ext4)", async (t) => {
    if (!requirePrerequisites(t, { commands: TOOLS })) return;
    const img = join(hostDir("pi-1"), "pi-1.img");
    const probe = async (offset: number) => runChecked([tool("blkid"), "-p", "-o", "export", "-O", String(offset), img]);
    const boot = await probe(BOOT_OFFSET);
    assert.match(boot, /^LABEL=ALPINE$/m);
    assert.match(boot, /^TYPE=vfat$/m);
    assert.match(boot, /^VERSION=FAT32$/m);
    const data = await probe(DATA_OFFSET);
    assert.match(data, /^LABEL=etcd-data$/m);
    assert.match(data, /^TYPE=ext4$/m);
  });

  test("the data partition is a clean, empty ext4 (e2fsck -fn, debugfs) with the spec's UUID when it names one", async (t) => {
    if (!requirePrerequisites(t, { commands: TOOLS })) return;
    for (const host of ["pi-1", "pi-2"]) {
      if (host === "pi-2") assert.equal((await image("pi-2")).code, 0);
      const device = `${join(hostDir(host), `${host}.img`)}?offset=${DATA_OFFSET}`;
      const fsck = await runCommand([tool("e2fsck"), "-fn", device]);
      assert.equal(fsck.code, 0, `e2fsck -fn: ${fsck.stdout}${fsck.stderr}`);
      assert.match(fsck.stdout, /11\/40960 files .* \d+\/163840 blocks/);
      const listing = await runChecked([tool("debugfs"), "-R", "ls -l /", device]);
      assert.match(listing, /40700 .*lost\+found/);
      const stats = await runChecked([tool("debugfs"), "-R", "stats", device]);
      assert.match(stats, /Filesystem features:\s+filetype dir_nlink large_file|Filesystem features:.*dir_nlink/);
      assert.match(stats, /Filesystem state:\s+clean/);
      assert.match(stats, /Block size:\s+4096/);
      if (host === "pi-2") assert.match(stats, new RegExp(`Filesystem UUID:\\s+${DATA_UUID}`));
      else assert.match(stats, /Filesystem volume name:\s+etcd-data/);
    }
  });

  test("the image and the zip are 0600 in the 0700 host folder; the same inputs give the same bytes", async (t) => {
    if (!requirePrerequisites(t, { commands: TOOLS })) return;
    const files = ["pi-1.img", "pi-1-boot.zip"].map((name) => join(hostDir("pi-1"), name));
    for (const file of files) assert.equal((await stat(file)).mode & 0o777, 0o600, file);
    assert.equal((await stat(hostDir("pi-1"))).mode & 0o777, 0o700);
    // pi-3 (no data partition: a quarter of the bytes to compare on a busy test machine) made
    // twice; the first ones kept under other names (the new ones replace them by rename).
    const pi3 = ["pi-3.img", "pi-3-boot.zip"].map((name) => join(hostDir("pi-3"), name));
    assert.equal((await image("pi-3")).code, 0);
    for (const file of pi3) await link(file, `${file}.first`);
    const again = await image("pi-3");
    assert.equal(again.code, 0, again.err);
    for (const file of pi3) {
      const cmp = await runCommand(["cmp", `${file}.first`, file]);
      await rm(`${file}.first`);
      assert.equal(cmp.code, 0, `${file} changed: ${cmp.stdout}${cmp.stderr}`);
    }
  });

  test("a host on tmpfs gets no data partition; PARTLABEL= is refused (an MBR card has none)", async (t) => {
    if (!requirePrerequisites(t, { commands: TOOLS })) return;
    const made = await image("pi-3");
    assert.equal(made.code, 0, made.err);
    assert.match(made.out, /no data partition/);
    const table = JSON.parse(await runChecked([tool("sfdisk"), "-J", join(hostDir("pi-3"), "pi-3.img")])) as { partitiontable: { partitions: unknown[] } };
    assert.equal(table.partitiontable.partitions.length, 1);
    const refused = await image("pi-4");
    assert.equal(refused.code, 1);
    assert.match(refused.err, /storage\.device PARTLABEL=data: .*LABEL=etcd-data/);
    assert.deepEqual((await readdir(hostDir("pi-4"))).sort(), ["member.crt", "pi-4.apkovl.tar.gz"], "nothing written");
  });

  test("a tampered Alpine tarball is refused and nothing is written", async (t) => {
    if (!requirePrerequisites(t, { commands: TOOLS })) return;
    const tampered = join(dir, "tampered");
    await mkdir(tampered);
    const tarball = join(tampered, release.fileName);
    await copyFile(release.tarballPath, tarball);
    await copyFile(release.sumsPath, `${tarball}.sha256`);
    await appendFile(tarball, "tampered");
    const before = (await readdir(hostDir("pi-2"))).sort();
    const result = await runCli(["image", "pi-2", spec(), "--out", out(), "--pki", pki(), "--cache-dir", join(dir, "cache-tampered"), "--quiet", "--alpine", tarball]);
    assert.equal(result.code, 1);
    assert.match(result.err, /checksum mismatch for the Alpine release alpine-rpi-3\.22\.2-aarch64\.tar\.gz: .*nothing was written/);
    assert.deepEqual((await readdir(hostDir("pi-2"))).sort(), before, "no image, zip or temporary file appeared or changed");
    const wrongPin = await image("pi-2", "--alpine-sha256", "0".repeat(64));
    assert.equal(wrongPin.code, 1);
    assert.match(wrongPin.err, /checksum mismatch/);
  });

  test("over HTTP: verified against the published .sha256, cached, then made again --offline", async (t) => {
    if (!requirePrerequisites(t, { commands: TOOLS })) return;
    const server = await serveFolder(join(dir, "release"));
    try {
      const url = `${server.baseUrl}/${release.fileName}`;
      const cache = join(dir, "cache-http");
      const run = (...extra: string[]) => runCli(["image", "pi-3", spec(), "--out", out(), "--pki", pki(), "--cache-dir", cache, "--quiet", "--alpine", url, ...extra]);
      const offlineFirst = await run("--offline");
      assert.equal(offlineFirst.code, 1);
      assert.match(offlineFirst.err, /is not in the cache .*run once without --offline/);
      assert.deepEqual(server.requests, []);
      const online = await run();
      assert.equal(online.code, 0, online.err);
      assert.deepEqual(server.requests, [`/${release.fileName}.sha256`, `/${release.fileName}`]);
      const offline = await run("--offline");
      assert.equal(offline.code, 0, offline.err);
      assert.equal(server.requests.length, 2, "the cache answered");
    } finally {
      await server.close();
    }
  });

  test("Ctrl-C while the image is written leaves no image, zip or temporary file, and frees the PKI lock", async (t) => {
    if (!requirePrerequisites(t, { commands: TOOLS })) return;
    const slow = await makeFakeAlpineRelease(join(dir, "release-slow"), "3.22.2", 16 * MiB);
    const folder = hostDir("pi-2");
    await Promise.all((await readdir(folder)).filter((name) => name.startsWith("pi-2.") && name !== "pi-2.apkovl.tar.gz").map((name) => rm(join(folder, name))));
    const before = (await readdir(folder)).sort();
    const argv = ["image", "pi-2", spec(), "--out", out(), "--pki", pki(), "--cache-dir", join(dir, "cache-slow"), "--quiet", "--alpine", slow.tarballPath];
    const child = spawn(process.execPath, [join(REPO, "bin", "etcdboot.js"), ...argv], { stdio: "ignore" });
    const exited = once(child, "exit");
    try {
      const deadline = Date.now() + 60_000;
      while (!(await readdir(folder)).some((name) => name.endsWith(".tmp"))) {
        assert.ok(Date.now() < deadline, "the image's temporary file never appeared");
        await sleep(5);
      }
      child.kill("SIGINT");
    } finally {
      const [code, signal] = (await exited) as [number | null, string | null];
      assert.ok(signal === "SIGINT" || code !== 0, `ended by ${signal ?? code}`);
    }
    assert.deepEqual((await readdir(folder)).sort(), before);
    const next = await runCli([...argv.slice(0, -2), "--alpine", release.tarballPath]);
    assert.equal(next.code, 0, `the PKI lock is free again: ${next.err}`);
  });

  test("refused with a clear message: cloud-init hosts, unknown hosts, no --alpine, another branch, a host not built, a release that is not Alpine's", async (t) => {
    if (!requirePrerequisites(t, { commands: TOOLS })) return;
    const vm = await image("vm-1");
    assert.equal(vm.code, 1);
    assert.match(vm.err, /vm-1 is a debian-12 host, set up by cloud-init/);
    const unknown = await image("pi-9");
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /has no host "pi-9": choose one of its alpine-rpi hosts: pi-1, pi-2, pi-3, pi-4$/);
    const noAlpine = await runCli(["image", "pi-1", spec()]);
    assert.equal(noAlpine.code, 2);
    assert.match(noAlpine.err, /needs --alpine/);

    const other = await makeFakeAlpineRelease(join(dir, "release-3.21"), "3.21.4");
    const branch = await runCli(["image", "pi-1", spec(), "--out", out(), "--pki", pki(), "--alpine", other.tarballPath]);
    assert.equal(branch.code, 1);
    assert.match(branch.err, /is Alpine v3\.21, but the spec's alpine\.branch is v3\.22/);

    const unbuilt = await image("pi-1", "--out", join(dir, "elsewhere"));
    assert.equal(unbuilt.code, 1);
    assert.match(unbuilt.err, /pi-1\.apkovl\.tar\.gz does not exist: run etcdboot build/);

    const notAlpine = join(dir, "not-alpine");
    await mkdir(join(notAlpine, "tree"), { recursive: true });
    await writeFile(join(notAlpine, "tree", "a:b"), "x");
    const bogus = join(notAlpine, "alpine-rpi-3.22.9-aarch64.tar.gz");
    await runChecked(["tar", "-C", join(notAlpine, "tree"), "-czf", bogus, "."]);
    const badName = await image("pi-1", "--alpine", bogus, "--alpine-sha256", await fileSha256(bogus));
    assert.equal(badName.code, 1);
    assert.match(badName.err, /the name "a:b" holds a character FAT cannot store/);
    for (const result of [vm, unknown, noAlpine, branch, unbuilt, badName]) assert.doesNotMatch(result.err, /internal error/);
  });
});
