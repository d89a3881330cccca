// Client bundles from a real build: clients/<name>/ is private (0700, key 0600) whatever the
// umask, tightened again when loosened, and gone when the client loses its purpose. Then a
// namespace cluster booted from the same build serves k3s and kube-apiserver as their snippets
// say: each snippet is parsed (YAML reader, sh), the bundle's files are copied where the README
// says, and real etcdctl with exactly the snippet's endpoints and files writes and reads through
// every member.

import assert from "node:assert/strict";
import { chmod, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { after, before, describe, test, type TestContext } from "node:test";
import { parse } from "yaml";
import { createTestNetwork, type TestNetwork } from "../harness/netns.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import type { RunningService } from "../harness/service.js";
import { readShellWords } from "../harness/shell-words.js";
import { runCli, tempDir } from "../support.js";
import { BOOT_PREREQUISITES, bootCloudInitHost, buildCluster, serveLocalRelease, waitForHealthyCluster } from "./support/boot.js";

const HOSTS = [
  { name: "etcd-1", address: "10.216.0.11" },
  { name: "etcd-2", address: "10.216.0.12" },
  { name: "etcd-3", address: "10.216.0.13" },
];

/** Where the README's "Kubernetes and k3s" section says to copy each bundle's ca.crt, client.crt and client.key. */
const README_COPY_TO = { k3s: "/etc/rancher/k3s/etcd", "kube-apiserver": "/etc/kubernetes/pki/etcd" } as const;

function specText(clients: string, etcd = ""): string {
  return [
    "apiVersion: etcdboot/v1alpha1",
    "cluster: {name: kube, token: kube-test}",
    ...(etcd ? [etcd] : []),
    "tls: {algorithm: ecdsa-p256, subject: {O: etcdboot-test}}",
    "hosts:",
    ...HOSTS.map((h) => `  - {name: ${h.name}, address: ${h.address}}`),
    `clients: ${clients}`,
    "",
  ].join("\n");
}

const modeOf = async (path: string) => (await stat(path)).mode & 0o7777;

describe("client bundles in the output are private", () => {
  test("clients/<name>/ is 0700 with the key 0600 under any umask, tightened again when loosened, removed with the purpose", async (t) => {
    const dir = await tempDir("client-modes");
    t.after(() => rm(dir, { recursive: true, force: true }));
    const specFile = join(dir, "cluster.yaml");
    const build = async () => {
      const result = await runCli(["build", specFile, "--out", join(dir, "out"), "--pki", join(dir, "pki")]);
      assert.equal(result.code, 0, result.err);
    };
    const bundle = join(dir, "out", "kube", "clients", "k3s");
    await writeFile(specFile, specText("[admin, {name: k3s, for: k3s}]"));
    const umask = process.umask(0o000);
    try {
      await build();
    } finally {
      process.umask(umask);
    }
    assert.equal(await modeOf(bundle), 0o700);
    assert.equal(await modeOf(join(bundle, "client.key")), 0o600);
    assert.equal(await modeOf(join(bundle, "client.crt")), 0o644, "the certificate is public (umask 000)");
    assert.deepEqual((await readdir(join(dir, "out", "kube", "clients"))).sort(), ["k3s"], "admin has no bundle: its key stays in pki/");
    assert.equal(await readFile(join(bundle, "client.key"), "utf8"), await readFile(join(dir, "pki", "kube", "clients", "k3s.key"), "utf8"));
    const manifest = JSON.parse(await readFile(join(dir, "out", "kube", "manifest.json"), "utf8")) as { files: { path: string }[] };
    assert.ok(manifest.files.some((f) => f.path === "clients/k3s/client.key"), "the manifest lists the bundle");

    await chmod(join(bundle, "client.key"), 0o644);
    await chmod(bundle, 0o755);
    await build();
    assert.equal(await modeOf(bundle), 0o700, "the folder is made private again");
    assert.equal(await modeOf(join(bundle, "client.key")), 0o600, "the key is made private again");

    await writeFile(specFile, specText("[admin, k3s]"));
    await build();
    await assert.rejects(stat(join(dir, "out", "kube", "clients")), { code: "ENOENT" }, "a plain client leaves no key in the output");
    assert.ok((await stat(join(dir, "pki", "kube", "clients", "k3s.key"))).isFile(), "its key stays in pki/");
  });
});

describe("k3s and kube-apiserver reach a real cluster with their snippets", { timeout: 240_000 }, () => {
  let dir = "";
  let served: Awaited<ReturnType<typeof serveLocalRelease>>;
  let network: TestNetwork | undefined;

  before(async () => {
    dir = await tempDir("client-bundles");
    served = await serveLocalRelease(dir);
  });

  after(async () => {
    await network?.destroy();
    await served?.server.close();
    await rm(dir, { recursive: true, force: true }); // the release and three host roots: some 300 MB
  });

  /** Copies the bundle's files under consumerRoot as the README says, then reads the snippet. */
  async function settingsOf(outputDir: string, client: string, purpose: keyof typeof README_COPY_TO, consumerRoot: string) {
    const bundle = join(outputDir, "clients", client);
    for (const file of ["ca.crt", "client.crt", "client.key"]) {
      const to = join(consumerRoot, README_COPY_TO[purpose], file);
      await mkdir(dirname(to), { recursive: true });
      await copyFile(join(bundle, file), to);
    }
    if (purpose === "k3s") {
      const config = parse(await readFile(join(bundle, "k3s-config.yaml"), "utf8"), { version: "1.1" }) as Record<string, string>;
      assert.deepEqual(Object.keys(config).sort(), ["datastore-cafile", "datastore-certfile", "datastore-endpoint", "datastore-keyfile"]);
      return { endpoints: String(config["datastore-endpoint"]).split(","), ca: config["datastore-cafile"], cert: config["datastore-certfile"], key: config["datastore-keyfile"] };
    }
    const { words, stderr } = readShellWords(await readFile(join(bundle, "kube-apiserver.flags"), "utf8"));
    assert.equal(stderr, "0");
    const flags = new Map(words.map((word) => [word.slice(0, word.indexOf("=")), word.slice(word.indexOf("=") + 1)]));
    assert.deepEqual([...flags.keys()], ["--etcd-servers", "--etcd-cafile", "--etcd-certfile", "--etcd-keyfile"]);
    return { endpoints: String(flags.get("--etcd-servers")).split(","), ca: flags.get("--etcd-cafile"), cert: flags.get("--etcd-certfile"), key: flags.get("--etcd-keyfile") };
  }

  test("each snippet's endpoints and files write and read through every member", async (t: TestContext) => {
    if (!requirePrerequisites(t, BOOT_PREREQUISITES)) return;
    assert.ok(served, "an upstream-layout release was built from Debian's etcd");
    const { release, server } = served;
    const outputDir = await buildCluster(
      join(dir, "build"),
      "kube",
      specText("[admin, {name: k3s, for: k3s}, {name: apiserver, for: kube-apiserver}]", `etcd: {version: "${release.version}", downloadUrl: "${server.baseUrl}"}`),
    );
    network = await createTestNetwork(HOSTS.map((h) => ({ ...h, prefixLength: 24 })));
    const members: RunningService[] = [];
    for (const { name } of HOSTS) members.push(await bootCloudInitHost(network, outputDir, name, join(dir, "hosts")));
    await waitForHealthyCluster(network, outputDir, "etcd-1", members);

    for (const [client, purpose] of [["k3s", "k3s"], ["apiserver", "kube-apiserver"]] as const) {
      const consumerRoot = join(dir, "consumers", client);
      const settings = await settingsOf(outputDir, client, purpose, consumerRoot);
      assert.deepEqual(settings.endpoints, HOSTS.map((h) => `https://${h.address}:2379`), `${client}: every member's client URL`);
      const files = [settings.ca, settings.cert, settings.key].map((path) => join(consumerRoot, String(path)));
      for (const file of files) assert.ok((await stat(file)).isFile(), `${client}: the snippet names ${file}, where the README copies a bundle file`);
      const [ca, cert, key] = files as [string, string, string];
      const etcdctl = (from: string, endpoints: string[], args: string[]) =>
        network!.run(from, ["etcdctl", `--endpoints=${endpoints.join(",")}`, `--cacert=${ca}`, `--cert=${cert}`, `--key=${key}`, "--dial-timeout=5s", ...args], { timeoutMs: 20_000 });

      for (const [i, endpoint] of settings.endpoints.entries()) {
        const from = HOSTS[(i + 1) % HOSTS.length]!.name;
        const put = await etcdctl(from, [endpoint], ["put", `/clients/${client}/${i}`, `${client} via ${endpoint}`]);
        assert.equal(put.code, 0, `${client} writes through ${endpoint}: ${put.stderr}`);
        const next = settings.endpoints[(i + 1) % settings.endpoints.length]!;
        const get = await etcdctl(from, [next], ["get", `/clients/${client}/${i}`, "--print-value-only"]);
        assert.equal(get.code, 0, `${client} reads through ${next}: ${get.stderr}`);
        assert.equal(get.stdout.trim(), `${client} via ${endpoint}`);
      }
      const all = await etcdctl("etcd-1", settings.endpoints, ["get", `/clients/${client}/`, "--prefix", "--keys-only"]);
      assert.equal(all.code, 0, all.stderr);
      assert.deepEqual(all.stdout.split("\n").filter(Boolean), settings.endpoints.map((_, i) => `/clients/${client}/${i}`), `${client} with the snippet's whole endpoint list`);
    }
  });
});
