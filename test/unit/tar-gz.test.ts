// The overlay archive: same entries → same bytes, whatever their order; unsafe paths refused.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createTarGz, type ArchiveEntry } from "../../src/encoders/tar-gz.js";
import { readTarGz } from "../harness/archive.js";

const entries: ArchiveEntry[] = [
  { type: "file", path: "etc/hostname", mode: 0o644, uid: 0, gid: 0, content: "pi-1\n" },
  { type: "directory", path: "etc", mode: 0o755, uid: 0, gid: 0 },
  { type: "file", path: "etc/etcd/pki/member.key", mode: 0o600, uid: 2379, gid: 2379, content: "key" },
  { type: "symlink", path: "etc/runlevels/default/etcd", uid: 0, gid: 0, target: "/etc/init.d/etcd" },
  { type: "file", path: "usr/local/bin/etcd", mode: 0o755, uid: 0, gid: 0, content: new Uint8Array([0x7f, 0x45, 0x4c, 0x46]) },
];

test("the same entries in any order give byte-identical archives", async () => {
  const first = await createTarGz(entries);
  const second = await createTarGz([...entries].reverse());
  assert.ok(first.equals(second));
});

test("entries come back sorted, with their modes, numeric owners, link targets, bytes and a fixed mtime", async () => {
  const read = await readTarGz(await createTarGz(entries));
  assert.deepEqual(
    read.map((e) => `${e.type} ${e.mode.toString(8)} ${e.uid}:${e.gid} ${e.path}${e.linkname ? ` -> ${e.linkname}` : ""}`),
    [
      "directory 755 0:0 etc/",
      "file 600 2379:2379 etc/etcd/pki/member.key",
      "file 644 0:0 etc/hostname",
      "symlink 777 0:0 etc/runlevels/default/etcd -> /etc/init.d/etcd",
      "file 755 0:0 usr/local/bin/etcd",
    ],
  );
  assert.equal(read[2]?.content?.toString(), "pi-1\n");
  assert.deepEqual([...(read[4]?.content ?? [])], [0x7f, 0x45, 0x4c, 0x46]);
  assert.ok(read.every((e) => e.mtime === Date.parse("2000-01-01T00:00:00Z")));
});

test("absolute paths, '..' and duplicates are refused", async () => {
  for (const path of ["/etc/passwd", "etc/../../evil", "./etc/x", ""]) {
    await assert.rejects(createTarGz([{ type: "file", path, mode: 0o644, uid: 0, gid: 0, content: "" }]), /unsafe archive path/);
  }
  const twice: ArchiveEntry = { type: "file", path: "etc/hosts", mode: 0o644, uid: 0, gid: 0, content: "" };
  await assert.rejects(createTarGz([twice, twice]), /appears twice/);
});

test("archives over 4 MiB (gzip in parallel blocks) unpack to the same bytes, with gzip's own check passing", async () => {
  // Pseudo-random bytes that compress a little, and a view into a larger buffer (byteOffset ≠ 0).
  const big = Buffer.alloc(5 * 2 ** 20 + 12345);
  for (let i = 0, x = 1; i < big.length; i++) big[i] = (x = (x * 1103515245 + 12345) % 2 ** 31) % 7 === 0 ? 0 : x & 0xff;
  const backing = new Uint8Array(3 * 2 ** 20);
  backing.fill(0x41);
  const view = backing.subarray(1000, 1000 + 2 * 2 ** 20);
  const large: ArchiveEntry[] = [
    { type: "file", path: "usr/local/bin/etcd", mode: 0o755, uid: 0, gid: 0, content: big },
    { type: "file", path: "usr/local/bin/etcdctl", mode: 0o755, uid: 0, gid: 0, content: view },
    ...entries.filter((e) => !e.path.startsWith("usr/")),
  ];
  const archive = await createTarGz(large);
  const read = await readTarGz(archive);
  assert.ok(read.find((e) => e.path === "usr/local/bin/etcd")?.content?.equals(big));
  assert.ok(read.find((e) => e.path === "usr/local/bin/etcdctl")?.content?.equals(Buffer.from(view)));
  const dir = await mkdtemp(join(tmpdir(), "etcdboot-targz-"));
  try {
    await writeFile(join(dir, "overlay.tar.gz"), archive);
    execFileSync("gzip", ["-t", join(dir, "overlay.tar.gz")]); // CRC-32 and length of the whole member
    assert.match(execFileSync("tar", ["-tzvf", join(dir, "overlay.tar.gz")], { encoding: "utf8" }), /usr\/local\/bin\/etcd\n/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
