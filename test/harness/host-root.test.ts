import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile, chown, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { runCommand } from "./exec.js";
import { HOST_ROOT_MOUNTS, hostPath, hostRootArgv, materialiseWriteFiles } from "./host-root.js";
import { createTestNetwork } from "./netns.js";
import { requirePrerequisites } from "./prerequisites.js";
import { groupId, userId } from "./users.js";

async function hostRoot(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "etcdboot-hostroot-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const USER_DATA = `#cloud-config
write_files:
  - path: /etc/etcd/pki/server.key
    content: |
      not really a key
    permissions: '0600'
    owner: etcd:etcd
  - path: /etc/etcd/etcd.conf.yml
    encoding: b64
    content: ${Buffer.from("name: one\n").toString("base64")}
    permissions: 0640
    owner: root:etcd
  - path: /usr/local/sbin/etcd-install
    encoding: gz+b64
    content: ${gzipSync("#!/bin/sh\necho installing\n").toString("base64")}
    permissions: '0755'
  - path: /etc/etcd/pki/server.key
    content: "appended\\n"
    append: true
    owner: etcd:etcd
    permissions: '0600'
`;

test("materialiseWriteFiles writes content, modes and owners like cloud-init", async (t) => {
  if (!requirePrerequisites(t, { root: true, users: ["etcd"] })) return;
  const root = await hostRoot(t);
  const written = await materialiseWriteFiles(USER_DATA, root);
  const key = hostPath(root, "/etc/etcd/pki/server.key");
  assert.deepEqual(written, [key, hostPath(root, "/etc/etcd/etcd.conf.yml"), hostPath(root, "/usr/local/sbin/etcd-install"), key]);

  const expect = async (path: string, content: string, mode: number, uid: number, gid: number) => {
    const info = await stat(hostPath(root, path));
    assert.equal(await readFile(hostPath(root, path), "utf8"), content, path);
    assert.equal((info.mode & 0o7777).toString(8), mode.toString(8), `${path} mode`);
    assert.deepEqual([info.uid, info.gid], [uid, gid], `${path} owner`);
  };
  await expect("/etc/etcd/pki/server.key", "not really a key\nappended\n", 0o600, userId("etcd"), groupId("etcd"));
  await expect("/etc/etcd/etcd.conf.yml", "name: one\n", 0o640, 0, groupId("etcd"));
  await expect("/usr/local/sbin/etcd-install", "#!/bin/sh\necho installing\n", 0o755, 0, 0);
  assert.equal(((await stat(hostPath(root, "/etc/etcd/pki"))).mode & 0o777).toString(8), "755", "parents like mkdir -p");
});

test("materialiseWriteFiles refuses what cloud-init would not do the same way", async (t) => {
  const root = await hostRoot(t);
  await assert.rejects(materialiseWriteFiles("write_files: []\n", root), /#cloud-config/);
  await assert.rejects(materialiseWriteFiles("#cloud-config\nwrite_files:\n  - path: etc/relative\n", root), /absolute/);
  await assert.rejects(materialiseWriteFiles("#cloud-config\nwrite_files:\n  - path: /etc/../../escape\n", root), /normalised/);
  await assert.rejects(materialiseWriteFiles("#cloud-config\nwrite_files:\n  - path: /x\n    encoding: zip\n    content: a\n", root), /encoding/);
  await assert.rejects(materialiseWriteFiles("#cloud-config\nwrite_files:\n  - path: /x\n    permissions: rw\n", root), /permissions/);
});

test("hostRootArgv: the command sees the host root at the real paths; the real machine does not", async (t) => {
  if (!requirePrerequisites(t, { root: true, commands: ["unshare", "mount", "setpriv"] })) return;
  const root = await hostRoot(t);
  await materialiseWriteFiles(USER_DATA, root);
  const probe = `harness-probe-${process.pid}`;
  const realBinBefore = await readdir("/usr/local/bin");

  const script = `echo made > /usr/local/bin/${probe} && cat /etc/etcd/etcd.conf.yml && pwd && grep -c ' /usr/local/bin ' /proc/self/mountinfo`;
  const result = await runCommand(hostRootArgv(root, ["sh", "-c", script]));
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "name: one\n/\n1\n");

  assert.equal(await readFile(hostPath(root, `/usr/local/bin/${probe}`), "utf8"), "made\n");
  assert.deepEqual(await readdir("/usr/local/bin"), realBinBefore, "real /usr/local/bin unchanged");
  const realMounts = await readFile("/proc/self/mountinfo", "utf8");
  assert.ok(!realMounts.includes(root), "no host-root mount visible outside the command");
  for (const path of HOST_ROOT_MOUNTS) assert.ok((await stat(hostPath(root, path))).isDirectory(), `${path} created in the root folder`);
});

test("hostRootArgv with a user: runs as that user and group, with its file permissions", async (t) => {
  if (!requirePrerequisites(t, { root: true, commands: ["unshare", "mount", "setpriv"], users: ["etcd"] })) return;
  const root = await hostRoot(t);
  const dataDir = hostPath(root, "/var/lib/etcd");
  await mkdir(dataDir, { recursive: true });
  await chown(dataDir, userId("etcd"), groupId("etcd"));
  await chmod(dataDir, 0o700);

  const script = "id -u; id -g; touch /var/lib/etcd/ok; touch /usr/local/bin/not-allowed 2>/dev/null || echo refused";
  const result = await runCommand(hostRootArgv(root, ["sh", "-c", script], { user: "etcd" }));
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `${userId("etcd")}\n${groupId("etcd")}\nrefused\n`);
  assert.equal((await stat(join(dataDir, "ok"))).uid, userId("etcd"));
});

test("hostRootArgv composes with TestNetwork.run: host network and host root together", async (t) => {
  if (!requirePrerequisites(t, { root: true, commands: ["ip", "unshare", "mount", "setpriv"] })) return;
  const root = await hostRoot(t);
  await mkdir(hostPath(root, "/etc/etcd"), { recursive: true });
  await writeFile(hostPath(root, "/etc/etcd/marker"), "host one\n");
  const network = await createTestNetwork([{ name: "one", address: "10.213.2.1", prefixLength: 24 }]);
  t.after(() => network.destroy());

  const result = await network.run("one", hostRootArgv(root, ["sh", "-c", "cat /etc/etcd/marker; ip -o -4 addr show dev eth0"]));
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^host one\n.*inet 10\.213\.2\.1\/24/s);
});
