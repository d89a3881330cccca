import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, readdir, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { UserError } from "../../src/errors.js";
import { ensurePki } from "../../src/pki/ensure-pki.js";
import { generateKeyPair } from "../../src/pki/keys.js";
import { pkiPaths } from "../../src/pki/types.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import {
  certificateDates,
  certificateExtensions,
  DAY_MS,
  FIXED_NOW,
  openssl,
  pkiRequest,
  publicKeyOfCertificate,
  publicKeyOfPrivateKey,
  temporaryDirectory,
  verifyChain,
} from "./helpers.js";

const LEAVES = [
  { cert: pkiPaths.hostCert("etcd-1"), key: pkiPaths.hostKey("etcd-1") },
  { cert: pkiPaths.hostCert("etcd-2"), key: pkiPaths.hostKey("etcd-2") },
  { cert: pkiPaths.clientCert("admin"), key: pkiPaths.clientKey("admin") },
];
const LEAF_CERTS = LEAVES.map((leaf) => leaf.cert);
const LEAF_KEYS = LEAVES.map((leaf) => leaf.key);
const ALL_FILES = [pkiPaths.caCert, pkiPaths.caKey, ...LEAF_CERTS, ...LEAF_KEYS];

interface FileState {
  contents: string;
  inode: bigint;
  mtimeNs: bigint;
}

/** Every file under dir with what would show that it was rewritten: bytes, inode (atomic writes rename) and mtime. */
async function snapshot(dir: string): Promise<Map<string, FileState>> {
  const files = new Map<string, FileState>();
  for (const name of await readdir(dir, { recursive: true })) {
    const path = join(dir, name);
    const info = await stat(path, { bigint: true });
    if (!info.isFile()) continue;
    files.set(name, { contents: await readFile(path, "utf8"), inode: info.ino, mtimeNs: info.mtimeNs });
  }
  return files;
}

function changedFiles(before: Map<string, FileState>, after: Map<string, FileState>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((name) => !isSameFile(before.get(name), after.get(name))).sort();
}

function isSameFile(a: FileState | undefined, b: FileState | undefined): boolean {
  return a !== undefined && b !== undefined && a.contents === b.contents && a.inode === b.inode && a.mtimeNs === b.mtimeNs;
}

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

/** A PKI made by a first run, in a folder that did not exist before. */
async function firstRun(t: TestContext) {
  const dir = join(await temporaryDirectory(t), "pki", "demo");
  const req = pkiRequest(dir);
  const result = await ensurePki(req);
  return { dir, req, ...result };
}

const allIssued = (reason: string) => [
  { kind: "host", name: "etcd-1", reason },
  { kind: "host", name: "etcd-2", reason },
  { kind: "client", name: "admin", reason },
];
const allReused = [
  { kind: "host", name: "etcd-1" },
  { kind: "host", name: "etcd-2" },
  { kind: "client", name: "admin" },
];

function assertEveryLeafVerifies(dir: string, caCertPath = join(dir, pkiPaths.caCert), at = FIXED_NOW): void {
  for (const cert of LEAF_CERTS) {
    const result = verifyChain(caCertPath, join(dir, cert), at);
    assert.equal(result.status, 0, result.output);
  }
}

/** A PKI folder holding a CA and etcd-1's key and certificate made by cfssl with the given key and usages. */
async function cfsslPki(t: TestContext, key: { algo: string; size: number }, usages: string[], algorithm: "rsa-2048" | "ecdsa-p256") {
  const work = await temporaryDirectory(t);
  const names = [{ C: "DE", O: "Acme" }];
  await writeFile(join(work, "ca-csr.json"), JSON.stringify({ CN: "demo etcd CA", key, names }));
  const hosts = ["etcd-1", "etcd-1.example.com", "localhost", "10.0.0.1", "127.0.0.1"];
  await writeFile(join(work, "etcd-1-csr.json"), JSON.stringify({ CN: "etcd-1", hosts, key, names }));
  await writeFile(join(work, "ca-config.json"), JSON.stringify({ signing: { default: { usages, expiry: "87600h" } } }));
  const sh = (script: string) => execFileSync("sh", ["-c", script], { cwd: work, stdio: "pipe" });
  sh("cfssl gencert -initca ca-csr.json | cfssljson -bare ca");
  sh("cfssl gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json etcd-1-csr.json | cfssljson -bare etcd-1");

  const dir = join(work, "pki", "demo");
  await mkdir(join(dir, "hosts"), { recursive: true });
  for (const [from, to] of [["ca.pem", pkiPaths.caCert], ["ca-key.pem", pkiPaths.caKey], ["etcd-1.pem", pkiPaths.hostCert("etcd-1")], ["etcd-1-key.pem", pkiPaths.hostKey("etcd-1")]]) {
    await copyFile(join(work, from as string), join(dir, to as string));
  }
  // cfssl's certificates are dated by the machine's clock, so this run is too.
  return { dir, req: pkiRequest(dir, { now: new Date(), algorithm }) };
}

describe("ensurePki", () => {
  test("first run: the CA and every key and certificate, in private folders", async (t) => {
    const { dir, report, pki } = await firstRun(t);
    assert.deepEqual(report, { caCreated: true, issued: allIssued("new"), reused: [], notes: [] });
    assert.deepEqual([...(await snapshot(dir)).keys()].sort(), [...ALL_FILES].sort(), "no temporary files are left");

    for (const folder of [dir, join(dir, "hosts"), join(dir, "clients")]) assert.equal(await modeOf(folder), 0o700, folder);
    for (const key of [pkiPaths.caKey, ...LEAF_KEYS]) assert.equal(await modeOf(join(dir, key)), 0o600, key);
    for (const cert of [pkiPaths.caCert, ...LEAF_CERTS]) assert.equal(await modeOf(join(dir, cert)), 0o644, cert);

    assertEveryLeafVerifies(dir);
    for (const { cert, key } of LEAVES) {
      assert.match(openssl("pkey", "-in", join(dir, key), "-noout", "-text"), /ASN1 OID: prime256v1/);
      assert.equal(publicKeyOfPrivateKey(join(dir, key)), publicKeyOfCertificate(join(dir, cert)), cert);
    }

    // What is returned is exactly what is on disk.
    assert.equal(pki.caCertPem, await readFile(join(dir, pkiPaths.caCert), "utf8"));
    assert.deepEqual(pki.hosts.get("etcd-1"), {
      certPem: await readFile(join(dir, pkiPaths.hostCert("etcd-1")), "utf8"),
      keyPem: await readFile(join(dir, pkiPaths.hostKey("etcd-1")), "utf8"),
    });
    assert.deepEqual([...pki.hosts.keys()], ["etcd-1", "etcd-2"]);
    assert.deepEqual([...pki.clients.keys()], ["admin"]);
  });

  test("host certificates carry the host's names; client certificates only clientAuth", async (t) => {
    const { dir } = await firstRun(t);
    const host = certificateExtensions(join(dir, pkiPaths.hostCert("etcd-2")));
    assert.equal(host.get("Subject Alternative Name")?.value, "DNS:etcd-2, DNS:etcd-2.example.com, DNS:localhost, IP Address:10.0.0.2, IP Address:127.0.0.1");
    assert.equal(host.get("Extended Key Usage")?.value, "TLS Web Server Authentication, TLS Web Client Authentication");
    const client = certificateExtensions(join(dir, pkiPaths.clientCert("admin")));
    assert.equal(client.get("Extended Key Usage")?.value, "TLS Web Client Authentication");
  });

  test("the returned PKI never contains the CA key", async (t) => {
    const { dir, pki } = await firstRun(t);
    const caKey = await readFile(join(dir, pkiPaths.caKey), "utf8");
    const caKeyBody = caKey.split("\n").filter((line) => line && !line.startsWith("-----")).join("");
    const returned = JSON.stringify({ ca: pki.caCertPem, hosts: [...pki.hosts], clients: [...pki.clients] });
    assert.equal(returned.includes(caKeyBody), false);
    for (const { keyPem } of [...pki.hosts.values(), ...pki.clients.values()]) assert.notEqual(keyPem, caKey);
  });

  test("a second run with the same request writes nothing", async (t) => {
    const { dir, req, pki } = await firstRun(t);
    const before = await snapshot(dir);
    const again = await ensurePki(req);
    assert.deepEqual(again.report, { caCreated: false, issued: [], reused: allReused, notes: [] });
    assert.deepEqual(changedFiles(before, await snapshot(dir)), []);
    assert.deepEqual(again.pki, pki);
  });

  test("new addresses for one host: only its certificate is re-issued, for the same key", async (t) => {
    const { dir, req } = await firstRun(t);
    const before = await snapshot(dir);
    const hosts = req.hosts.map((host) => (host.name === "etcd-1" ? { ...host, ipAddresses: ["10.0.0.11"] } : host));
    const { report } = await ensurePki({ ...req, hosts });
    assert.deepEqual(report.issued, [{ kind: "host", name: "etcd-1", reason: "names changed" }]);
    assert.equal(report.reused.length, 2);
    assert.deepEqual(changedFiles(before, await snapshot(dir)), [pkiPaths.hostCert("etcd-1")]);
    const certPath = join(dir, pkiPaths.hostCert("etcd-1"));
    assert.match(certificateExtensions(certPath).get("Subject Alternative Name")?.value ?? "", /IP Address:10\.0\.0\.11, IP Address:127\.0\.0\.1$/);
    assert.equal(publicKeyOfCertificate(certPath), publicKeyOfPrivateKey(join(dir, pkiPaths.hostKey("etcd-1"))));
    assertEveryLeafVerifies(dir);
  });

  test("near expiry: leaves are re-issued ('expires soon') for their keys; the CA stays", async (t) => {
    const { dir, req } = await firstRun(t);
    const before = await snapshot(dir);
    const stillFine = await ensurePki({ ...req, now: new Date(FIXED_NOW.getTime() + (365 - 31) * DAY_MS) });
    assert.equal(stillFine.report.issued.length, 0);

    const later = new Date(FIXED_NOW.getTime() + (365 - 29) * DAY_MS);
    const { report } = await ensurePki({ ...req, now: later });
    assert.deepEqual(report, { caCreated: false, issued: allIssued("expires soon"), reused: [], notes: [] });
    assert.deepEqual(changedFiles(before, await snapshot(dir)), [...LEAF_CERTS].sort());
    assert.equal(certificateDates(join(dir, pkiPaths.hostCert("etcd-1"))).notBefore.getTime(), later.getTime() - DAY_MS);
    assertEveryLeafVerifies(dir, undefined, later);
  });

  test("replaceCa: a new CA, every leaf re-issued ('new CA') for its key; the old CA kept under its date", async (t) => {
    const { dir, req } = await firstRun(t);
    const oldCa = await readFile(join(dir, pkiPaths.caCert), "utf8");
    const oldKey = await readFile(join(dir, pkiPaths.caKey), "utf8");
    const before = await snapshot(dir);
    const { report } = await ensurePki({ ...req, replaceCa: true });
    const [keptCert, keptKey] = [join(dir, "ca.20250301T120000Z.crt"), join(dir, "ca.20250301T120000Z.key")];
    assert.deepEqual(report, { caCreated: true, issued: allIssued("new CA"), reused: [], notes: [`kept the replaced CA as ${keptCert} and ${keptKey}`] });
    assert.deepEqual(changedFiles(before, await snapshot(dir)), [pkiPaths.caCert, pkiPaths.caKey, "ca.20250301T120000Z.crt", "ca.20250301T120000Z.key", ...LEAF_CERTS].sort());
    assert.equal(await readFile(keptCert, "utf8"), oldCa);
    assert.equal(await readFile(keptKey, "utf8"), oldKey);
    assert.equal(await modeOf(keptKey), 0o600);
    assert.equal(publicKeyOfCertificate(join(dir, pkiPaths.caCert)), publicKeyOfPrivateKey(join(dir, pkiPaths.caKey)));
    assertEveryLeafVerifies(dir);
    assert.notEqual(verifyChain(keptCert, join(dir, pkiPaths.hostCert("etcd-1"))).status, 0);

    // A second replacement at the same clock keeps both old CAs.
    const secondCa = await readFile(join(dir, pkiPaths.caCert), "utf8");
    await ensurePki({ ...req, replaceCa: true });
    assert.equal(await readFile(join(dir, "ca.20250301T120000Z-2.crt"), "utf8"), secondCa);
    assert.equal(await readFile(keptCert, "utf8"), oldCa);
  });

  test("another algorithm: new keys and certificates ('algorithm changed'); the CA stays", async (t) => {
    const { dir, req } = await firstRun(t);
    const before = await snapshot(dir);
    const { report } = await ensurePki({ ...req, algorithm: "rsa-2048" });
    assert.deepEqual(report, { caCreated: false, issued: allIssued("algorithm changed"), reused: [], notes: [] });
    assert.deepEqual(changedFiles(before, await snapshot(dir)), [...LEAF_CERTS, ...LEAF_KEYS].sort());
    assert.match(openssl("pkey", "-in", join(dir, pkiPaths.hostKey("etcd-1")), "-noout", "-text"), /Private-Key: \(2048 bit/);
    assert.equal(await modeOf(join(dir, pkiPaths.hostKey("etcd-1"))), 0o600);
    assertEveryLeafVerifies(dir);
  });

  test("a leaf signed by another CA is re-issued ('other CA')", async (t) => {
    const { dir, req } = await firstRun(t);
    const other = await firstRun(t);
    for (const file of [pkiPaths.hostCert("etcd-1"), pkiPaths.hostKey("etcd-1")]) await copyFile(join(other.dir, file), join(dir, file));
    const { report } = await ensurePki(req);
    assert.deepEqual(report.issued, [{ kind: "host", name: "etcd-1", reason: "other CA" }]);
    assertEveryLeafVerifies(dir);
  });

  test("a missing certificate is issued again ('new') for the key that is there", async (t) => {
    const { dir, req } = await firstRun(t);
    await unlink(join(dir, pkiPaths.clientCert("admin")));
    const before = await snapshot(dir);
    const { report } = await ensurePki(req);
    assert.deepEqual(report.issued, [{ kind: "client", name: "admin", reason: "new" }]);
    assert.deepEqual(changedFiles(before, await snapshot(dir)), [pkiPaths.clientCert("admin")]);
    assertEveryLeafVerifies(dir);
  });

  for (const [missing, present] of [
    [pkiPaths.caKey, pkiPaths.caCert],
    [pkiPaths.caCert, pkiPaths.caKey],
  ] as const) {
    test(`${missing} missing while ${present} exists: a UserError, and nothing is written`, async (t) => {
      const { dir, req } = await firstRun(t);
      await unlink(join(dir, missing));
      const before = await snapshot(dir);
      await assert.rejects(ensurePki(req), (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.ok(error.message.includes(join(dir, missing)), error.message);
        assert.match(error.message, /--replace-ca/);
        return true;
      });
      assert.deepEqual(changedFiles(before, await snapshot(dir)), []);
      // The way out the message offers works.
      assert.equal((await ensurePki({ ...req, replaceCa: true })).report.caCreated, true);
    });
  }

  test("a CA and a host certificate made by cfssl (the runbooks' way) are adopted: that host kept, the rest chain to the cfssl CA", async (t) => {
    if (!requirePrerequisites(t, { commands: ["cfssl", "cfssljson"] })) return;
    // The runbooks' profile on their RSA keys is exactly what etcdboot issues for rsa-2048.
    const { dir, req } = await cfsslPki(t, { algo: "rsa", size: 2048 }, ["signing", "key encipherment", "server auth", "client auth"], "rsa-2048");
    const { report } = await ensurePki(req);
    assert.equal(report.caCreated, false);
    assert.deepEqual(report.reused, [{ kind: "host", name: "etcd-1" }]);
    assert.deepEqual(report.issued, [{ kind: "host", name: "etcd-2", reason: "new" }, { kind: "client", name: "admin", reason: "new" }]);
    assertEveryLeafVerifies(dir, join(dir, pkiPaths.caCert), req.now);
    const caKeyId = certificateExtensions(join(dir, pkiPaths.caCert)).get("Subject Key Identifier")?.value;
    assert.equal(certificateExtensions(join(dir, pkiPaths.hostCert("etcd-2"))).get("Authority Key Identifier")?.value, caKeyId);
    assert.equal((await ensurePki(req)).report.issued.length, 0);
  });

  test("a cfssl host certificate with serverAuth only (etcd's peers need clientAuth too) is re-issued ('usage changed') for its key", async (t) => {
    if (!requirePrerequisites(t, { commands: ["cfssl", "cfssljson"] })) return;
    const { dir, req } = await cfsslPki(t, { algo: "ecdsa", size: 256 }, ["signing", "server auth"], "ecdsa-p256");
    const keyBefore = await readFile(join(dir, pkiPaths.hostKey("etcd-1")), "utf8");
    const { report } = await ensurePki(req);
    assert.deepEqual(report.issued[0], { kind: "host", name: "etcd-1", reason: "usage changed" });
    assert.equal(await readFile(join(dir, pkiPaths.hostKey("etcd-1")), "utf8"), keyBefore, "the key is kept");
    const usages = certificateExtensions(join(dir, pkiPaths.hostCert("etcd-1")));
    assert.equal(usages.get("Extended Key Usage")?.value, "TLS Web Server Authentication, TLS Web Client Authentication");
    assert.equal(usages.get("Key Usage")?.value, "Digital Signature");
    assertEveryLeafVerifies(dir, join(dir, pkiPaths.caCert), req.now);
    assert.equal((await ensurePki(req)).report.issued.length, 0, "re-issued once, then kept");
  });

  test("a ca.key that is not ca.crt's key is refused, not replaced", async (t) => {
    const { dir, req } = await firstRun(t);
    const strangerKey = (await generateKeyPair("ecdsa-p256")).pem;
    await writeFile(join(dir, pkiPaths.caKey), strangerKey);
    await assert.rejects(ensurePki(req), (error: unknown) => error instanceof UserError && /is not the key of/.test(error.message));
  });

  for (const name of ["../escape", "a/b", ".hidden", ""]) {
    test(`the name ${JSON.stringify(name)} is refused before anything is written`, async (t) => {
      const dir = join(await temporaryDirectory(t), "pki");
      const base = pkiRequest(dir);
      for (const req of [{ ...base, hosts: [{ name, dnsNames: [], ipAddresses: [] }] }, { ...base, clients: [name] }]) {
        await assert.rejects(ensurePki(req), UserError);
      }
      await assert.rejects(stat(dir), { code: "ENOENT" });
    });
  }

  test("a name listed twice is refused", async (t) => {
    const req = pkiRequest(join(await temporaryDirectory(t), "pki"), { clients: ["admin", "admin"] });
    await assert.rejects(ensurePki(req), (error: unknown) => error instanceof UserError && /listed twice/.test(error.message));
  });
});
