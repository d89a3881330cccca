// The NoCloud seed image (hosts/<host>/seed.iso), judged by readers etcdboot does not share code
// with: xorriso/osirrox (libisofs, Rock Ridge), isoinfo (genisoimage's reader, all three name
// trees), blkid (util-linux's prober, the one cloud-init asks for LABEL=cidata) and cloud-init's
// own NoCloud data source reading the extracted files.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { promisify } from "node:util";
import { parse as parseYaml } from "yaml";
import { formatBytes } from "../../src/human-size.js";
import { level1Identifier, writeIso9660, type IsoFile } from "../../src/media/iso9660.js";
import { runCommand } from "../harness/exec.js";
import { requirePrerequisites, SYSTEM_PYTHON } from "../harness/prerequisites.js";
import { REPO, runCli, tempDir } from "../support.js";

const execFileBytes = promisify(execFile);
const READERS = ["xorriso", "osirrox", "isoinfo", "blkid"];
const NOCLOUD_READER = join(REPO, "test", "integration", "support", "read-nocloud-seed.py");

const SPEC = `apiVersion: etcdboot/v1alpha1
cluster: {name: seeds, token: seeds-etcd-1}
etcd: {version: 3.5.21, sha256: {amd64: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef}}
hosts:
  - {name: vm-1, address: 10.30.0.11, network: {prefix: 24, gateway: 10.30.0.1, dns: [10.30.0.1], macAddress: "52:54:00:00:00:11"}}
  - {name: vm-2, address: 10.30.0.12}
clients: [admin]
`;

async function ok(argv: string[]): Promise<string> {
  const result = await runCommand(argv, { timeoutMs: 60_000 });
  assert.equal(result.code, 0, `${argv.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** xorriso's verdict on an image: problems it reports as WARNING, SORRY or FAILURE fail the test. */
async function xorrisoListing(iso: string): Promise<string> {
  const result = await runCommand(["xorriso", "-abort_on", "WARNING", "-indev", iso, "-find", "/", "-exec", "lsdl"], { timeoutMs: 60_000 });
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /WARNING|SORRY|FAILURE|MISHAP/, result.stderr);
  return result.stdout;
}

/** Every file osirrox restores (by its Rock Ridge name), with its bytes and permission bits. */
async function extract(iso: string, into: string): Promise<Map<string, { content: Buffer; mode: number }>> {
  await ok(["osirrox", "-abort_on", "WARNING", "-indev", iso, "-extract", "/", into]);
  const files = new Map<string, { content: Buffer; mode: number }>();
  for (const name of await readdir(into)) files.set(name, { content: await readFile(join(into, name)), mode: (await stat(join(into, name))).mode & 0o7777 });
  return files;
}

/** One file's bytes as isoinfo reads it through the Rock Ridge (-R), Joliet (-J) or plain ISO 9660 tree. */
async function isoinfoFile(iso: string, tree: "-R" | "-J" | "", path: string): Promise<Buffer> {
  const { stdout } = await execFileBytes("isoinfo", [...(tree ? [tree] : []), "-i", iso, "-x", path], { encoding: "buffer", maxBuffer: 1 << 26 });
  return stdout;
}

/** blkid's export lines as a record (LABEL, TYPE, UUID...). */
async function blkid(path: string): Promise<Record<string, string>> {
  const lines = (await ok(["blkid", "-p", "-o", "export", path])).trim().split("\n");
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
}

function needsReaders(t: TestContext, extra: string[] = []): boolean {
  return requirePrerequisites(t, { commands: [...READERS, ...extra] });
}

describe("the ISO 9660 writer, read back by independent readers", () => {
  // Names that stress the level 1 mapping (dots, case, length) and contents that stress extents:
  // empty, one byte, exactly a sector, a sector and a byte; enough files that the root directory
  // (with Rock Ridge entries) needs a second sector.
  const files: IsoFile[] = [
    { name: "empty", content: new Uint8Array(0), mode: 0o444 },
    { name: "one-byte", content: Uint8Array.of(0x0a), mode: 0o400 },
    { name: "Sector.Exact.bin", content: new Uint8Array(2048).fill(0xa5), mode: 0o444 },
    { name: "sector-and-a-byte.dat", content: new Uint8Array(2049).map((_, i) => i % 251), mode: 0o644 },
    { name: "a-name-of-exactly-sixty-four-characters-which-is-joliets-limit.x", content: Buffer.from("long\n"), mode: 0o444 },
    ...Array.from({ length: 30 }, (_, i) => ({ name: `file-${String(i).padStart(2, "0")}.txt`, content: Buffer.from(`file ${i}\n`.repeat(i * 40)), mode: 0o444 })),
  ];
  const image = () => writeIso9660({ volumeId: "testvol", applicationId: "ETCDBOOT", date: new Date("2024-02-29T23:59:58Z"), files });
  /** The image in a fresh folder: its path and the folder. */
  async function writtenImage(): Promise<{ dir: string; iso: string }> {
    const dir = await tempDir("iso9660");
    const iso = join(dir, "test.iso");
    await writeFile(iso, image());
    return { dir, iso };
  }

  test("xorriso and osirrox: the Rock Ridge names, bytes and modes, and no complaint", async (t) => {
    if (!needsReaders(t)) return;
    const { dir, iso } = await writtenImage();
    const listing = await xorrisoListing(iso);
    for (const file of files) assert.match(listing, new RegExp(` '/${file.name.replaceAll(".", "\\.")}'\\n`), `xorriso lists ${file.name}`);
    const extracted = await extract(iso, join(dir, "x"));
    assert.deepEqual([...extracted.keys()].sort(), files.map((f) => f.name).sort());
    for (const file of files) {
      assert.ok(extracted.get(file.name)?.content.equals(file.content), `${file.name}: the same bytes`);
      assert.equal(extracted.get(file.name)?.mode, file.mode, `${file.name}: the Rock Ridge mode`);
    }
  });

  test("isoinfo: Joliet and Rock Ridge announced; the Rock Ridge, Joliet and level 1 trees give the same bytes", async (t) => {
    if (!needsReaders(t)) return;
    const { iso } = await writtenImage();
    const description = await ok(["isoinfo", "-d", "-i", iso]);
    assert.match(description, /^Volume id: testvol$/m);
    assert.match(description, /^Joliet with UCS level 3 found$/m);
    assert.match(description, /^Rock Ridge signatures version 1 found$/m);
    assert.match(description, /^Volume size is: \d+$/m);
    assert.equal(Number(/^Volume size is: (\d+)$/m.exec(description)?.[1]) * 2048, image().length, "the volume size is the image's");
    assert.deepEqual((await ok(["isoinfo", "-J", "-f", "-i", iso])).trim().split("\n").sort(), files.map((f) => `/${f.name}`).sort());
    assert.deepEqual((await ok(["isoinfo", "-f", "-i", iso])).trim().split("\n").sort(), files.map((f) => `/${level1Identifier(f.name)}`).sort());
    for (const file of files) {
      for (const [tree, path] of [["-R", `/${file.name}`], ["-J", `/${file.name}`], ["", `/${level1Identifier(file.name)}`]] as const) {
        assert.ok((await isoinfoFile(iso, tree, path)).equals(file.content), `isoinfo ${tree} -x ${path}`);
      }
    }
  });

  test("blkid: an iso9660 volume with its label, and a UUID from the volume date", async (t) => {
    if (!needsReaders(t)) return;
    const { iso } = await writtenImage();
    const probe = await blkid(iso);
    assert.equal(probe["TYPE"], "iso9660");
    assert.equal(probe["LABEL"], "testvol");
    assert.equal(probe["UUID"], "2024-02-29-23-59-58-00");
  });
});

describe("hosts/<host>/seed.iso", () => {
  async function build(extra: string[] = []) {
    const dir = await tempDir("seed-image");
    const spec = join(dir, "cluster.yaml");
    await writeFile(spec, SPEC);
    const args = ["build", spec, "--out", join(dir, "output"), "--pki", join(dir, "pki"), ...extra];
    const result = await runCli(args);
    assert.equal(result.code, 0, result.err);
    return { dir, args, result, hosts: join(dir, "output", "seeds", "hosts") };
  }

  test("holds exactly the host's cloud-init files, byte for byte; labelled cidata; 0600 like user-data; listed and reported", async (t) => {
    if (!needsReaders(t)) return;
    const { dir, hosts, result } = await build();
    const manifest = JSON.parse(await readFile(join(dir, "output", "seeds", "manifest.json"), "utf8")) as { files: { path: string; bytes: number; sha256: string }[] };
    for (const [host, names] of [["vm-1", ["meta-data", "network-config", "user-data"]], ["vm-2", ["meta-data", "user-data"]]] as const) {
      const iso = join(hosts, host, "seed.iso");
      assert.equal((await stat(iso)).mode & 0o777, 0o600, "it holds the host key");
      const extracted = await extract(iso, join(dir, `x-${host}`));
      assert.deepEqual([...extracted.keys()].sort(), [...names], `${host}: the seed's files`);
      for (const name of names) assert.ok(extracted.get(name)?.content.equals(await readFile(join(hosts, host, name))), `${host}/${name}: the plain file's bytes`);
      assert.equal(extracted.get("user-data")?.mode, 0o400, "user-data readable by root only, on the medium too");
      const probe = await blkid(iso);
      assert.equal(probe["LABEL"], "cidata");
      assert.equal(probe["TYPE"], "iso9660");
      // cloud-init finds its seed with this query (util.find_devs_with("LABEL=cidata")).
      assert.equal((await ok(["blkid", "-t", "LABEL=cidata", "-o", "device", iso])).trim(), iso);
      const bytes = await readFile(iso);
      const listed = manifest.files.find((f) => f.path === `hosts/${host}/seed.iso`);
      assert.deepEqual(listed, { path: `hosts/${host}/seed.iso`, bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") });
      assert.match(result.out, new RegExp(`^${host}: seed\\.iso ${formatBytes(bytes.length).replace(".", "\\.")}$`, "m"), "its size is reported beside user-data's");
      assert.match(result.out, new RegExp(`^${host}: user-data \\d+\\.\\d KiB$`, "m"));
    }
  });

  test("cloud-init's NoCloud data source accepts the extracted seed: instance-id, user-data and network-config as written", async (t) => {
    if (!needsReaders(t, [SYSTEM_PYTHON])) return;
    if (!requirePrerequisites(t, { pythonModules: ["cloudinit.sources.DataSourceNoCloud"] })) return;
    const { dir, hosts } = await build();
    for (const host of ["vm-1", "vm-2"]) {
      const cloudDir = join(dir, `cloud-${host}`);
      await mkdir(join(cloudDir, "seed"), { recursive: true });
      await extract(join(hosts, host, "seed.iso"), join(cloudDir, "seed", "nocloud"));
      const read = JSON.parse(await ok([SYSTEM_PYTHON, NOCLOUD_READER, cloudDir])) as { seed: string; instanceId: string; userData: string; networkConfig: unknown };
      const metaData = parseYaml(await readFile(join(hosts, host, "meta-data"), "utf8")) as { "instance-id": string };
      assert.equal(read.seed, join(cloudDir, "seed", "nocloud"));
      assert.equal(read.instanceId, metaData["instance-id"]);
      assert.equal(read.userData, await readFile(join(hosts, host, "user-data"), "utf8"));
      const networkConfig = join(hosts, host, "network-config");
      if (existsSync(networkConfig)) assert.deepEqual(read.networkConfig, parseYaml(await readFile(networkConfig, "utf8")));
      else assert.equal(read.networkConfig, null, `${host} has no static network`);
    }
  });

  test("reproducible: a full rebuild writes the same bytes, and an unchanged build is up to date", async () => {
    const { dir, args, hosts } = await build();
    const digest = async () => createHash("sha256").update(await readFile(join(hosts, "vm-1", "seed.iso"))).digest("hex");
    const before = await digest();
    await rm(join(dir, "output"), { recursive: true }); // the stamp no longer vouches: the pipeline runs again
    const rebuilt = await runCli(args);
    assert.equal(rebuilt.code, 0, rebuilt.err);
    assert.match(rebuilt.out, /^wrote /m);
    assert.equal(await digest(), before);
    const again = await runCli(args);
    assert.match(again.out, /is up to date$/);
    assert.match(again.out, /^vm-1: seed\.iso \d+\.\d KiB$/m, "the up-to-date report repeats the seed's size");
  });

  test("--no-seed-image: no seed.iso, none listed; switching it on or off is a real build, not 'up to date'", async () => {
    const { dir, args, hosts } = await build();
    const without = await runCli([...args, "--no-seed-image"]);
    assert.equal(without.code, 0, without.err);
    assert.doesNotMatch(without.out, /up to date|seed\.iso/);
    for (const host of ["vm-1", "vm-2"]) assert.equal(existsSync(join(hosts, host, "seed.iso")), false, `${host}: the earlier seed is removed`);
    assert.doesNotMatch(await readFile(join(dir, "output", "seeds", "manifest.json"), "utf8"), /seed\.iso/);
    const planWithout = await runCli(["plan", ...args.slice(1), "--no-seed-image"]);
    assert.equal(planWithout.code, 0, planWithout.err);
    assert.match(planWithout.out, /^ +unchanged vm-1$/m, "plan --no-seed-image plans what build --no-seed-image wrote");
    const planWith = await runCli(["plan", ...args.slice(1)]);
    assert.match(planWith.out, /write +hosts\/vm-1\/seed\.iso$/m, "plan without it would write the seed again");
    const back = await runCli(args);
    assert.doesNotMatch(back.out, /up to date/);
    assert.ok(existsSync(join(hosts, "vm-1", "seed.iso")));
  });
});
