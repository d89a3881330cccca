// The overlay archive: same entries → same bytes, whatever their order; unsafe paths refused.

import assert from "node:assert/strict";
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
