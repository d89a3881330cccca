// What ensurePki does with a PKI folder it did not leave as it is: a CA that cannot sign or has
// expired, keys open to others, damaged files, files in the way, a CA replacement cut short.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmod, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { UserError } from "../../src/errors.js";
import { ensurePki } from "../../src/pki/ensure-pki.js";
import { pkiPaths } from "../../src/pki/types.js";
import { certificateDates, DAY_MS, FIXED_NOW, openssl, pkiRequest, publicKeyOfCertificate, publicKeyOfPrivateKey, temporaryDirectory, verifyChain } from "./helpers.js";
import { pemArmour } from "../support.js";

const LEAF_CERTS = [pkiPaths.hostCert("etcd-1"), pkiPaths.hostCert("etcd-2"), pkiPaths.clientCert("admin")];

async function builtPki(t: TestContext, overrides: Parameters<typeof pkiRequest>[1] = {}) {
  const dir = join(await temporaryDirectory(t), "pki", "demo");
  const req = pkiRequest(dir, overrides);
  const first = await ensurePki(req);
  return { dir, req, first };
}

/** Every file's bytes under dir (relative path → contents): "nothing written" compares these. */
async function contents(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.set(join(entry.parentPath, entry.name).slice(dir.length), await readFile(join(entry.parentPath, entry.name), "utf8"));
  }
  return files;
}

function assertConsistent(dir: string, at: Date = FIXED_NOW): void {
  assert.equal(publicKeyOfCertificate(join(dir, pkiPaths.caCert)), publicKeyOfPrivateKey(join(dir, pkiPaths.caKey)), "ca.key is ca.crt's key");
  for (const cert of LEAF_CERTS) {
    const result = verifyChain(join(dir, pkiPaths.caCert), join(dir, cert), at);
    assert.equal(result.status, 0, `${cert}: ${result.output}`);
  }
}

async function refused(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UserError, String(error));
    assert.match(error.message, pattern);
    return true;
  });
}

/** A certificate for ca.key signed by itself, with the given extensions (openssl's config syntax). */
function selfSigned(dir: string, extensions: string[]): void {
  const ext = join(dir, "..", "ext.cnf");
  execFileSync("sh", ["-c", `printf '[e]\\n${extensions.join("\\n")}\\n' > ${ext}`]);
  const csr = join(dir, "..", "ca.csr");
  openssl("req", "-new", "-key", join(dir, pkiPaths.caKey), "-subj", "/CN=demo etcd CA", "-out", csr);
  openssl("x509", "-req", "-in", csr, "-signkey", join(dir, pkiPaths.caKey), "-days", "3650", "-extfile", ext, "-extensions", "e", "-out", join(dir, pkiPaths.caCert));
}

describe("an existing CA is checked before it signs", () => {
  for (const [name, extensions, message] of [
    ["not a CA (CA:FALSE)", ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyCertSign"], /is not a CA certificate .*CA:TRUE.*--replace-ca/],
    ["a CA without keyCertSign", ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,digitalSignature,cRLSign"], /may not sign certificates .*keyCertSign.*--replace-ca/],
  ] as const) {
    test(`${name}: refused with a message naming --replace-ca, nothing written`, async (t) => {
      const { dir, req } = await builtPki(t);
      selfSigned(dir, [...extensions]);
      await rm(join(dir, pkiPaths.hostCert("etcd-1")));
      const before = await contents(dir);
      await refused(ensurePki(req), message);
      assert.deepEqual(await contents(dir), before);
    });
  }

  test("an expired CA: refused naming --replace-ca; --replace-ca then makes a new one and keeps the old", async (t) => {
    const { dir, req } = await builtPki(t);
    const later = new Date(FIXED_NOW.getTime() + 3651 * DAY_MS);
    const before = await contents(dir);
    await refused(ensurePki({ ...req, now: later }), /expired on 2035-.*Run with --replace-ca/);
    assert.deepEqual(await contents(dir), before);
    const { report } = await ensurePki({ ...req, now: later, replaceCa: true });
    assert.equal(report.caCreated, true);
    assert.match(report.notes.join("\n"), /kept the replaced CA as .*ca\.20350228T120000Z\.crt and .*ca\.20350228T120000Z\.key/);
    assert.equal(await readFile(join(dir, "ca.20350228T120000Z.crt"), "utf8"), before.get(`/${pkiPaths.caCert}`));
    assertConsistent(dir, later);
  });

  test("a CA with less life left than the leaves ask for: leaves end with the CA (a note says so), and are not re-issued at every build", async (t) => {
    const { dir, req, first } = await builtPki(t, { caValidityDays: 100, validityDays: 365 });
    const caNotAfter = certificateDates(join(dir, pkiPaths.caCert)).notAfter;
    for (const cert of LEAF_CERTS) assert.equal(certificateDates(join(dir, cert)).notAfter.getTime(), caNotAfter.getTime(), cert);
    assert.match(first.report.notes.join("\n"), /expires on .* sooner than the 365 days tls\.validityDays asks for.*--replace-ca/);
    assert.equal(first.renewBy.getTime(), caNotAfter.getTime());
    const nearTheEnd = await ensurePki({ ...req, now: new Date(FIXED_NOW.getTime() + 90 * DAY_MS) });
    assert.deepEqual(nearTheEnd.report.issued, [], "a new certificate could not last longer");
    assertConsistent(dir);
  });
});

describe("keys and folders open to others are made private", () => {
  test("ca.key and a host key 0644, the folder 0755: tightened to 0600 and 0700, each with a note", async (t) => {
    const { dir, req } = await builtPki(t);
    const hostKey = join(dir, pkiPaths.hostKey("etcd-2"));
    await chmod(join(dir, pkiPaths.caKey), 0o644);
    await chmod(hostKey, 0o640);
    await chmod(dir, 0o755);
    const { report } = await ensurePki(req);
    assert.deepEqual(report.issued, []);
    for (const [path, mode] of [[join(dir, pkiPaths.caKey), 0o600], [hostKey, 0o600], [dir, 0o700]] as const) {
      assert.equal((await stat(path)).mode & 0o777, mode, path);
      assert.ok(report.notes.some((note) => note.startsWith(`${path} was open to other users`)), `${path}: ${report.notes.join("\n")}`);
    }
  });
});

describe("PKI file faults: a clear error or a named repair, never a half-written PKI", () => {
  test("the cluster's PKI folder is a file: a UserError, the file untouched", async (t) => {
    const dir = join(await temporaryDirectory(t), "demo");
    await writeFile(dir, "not a folder");
    await refused(ensurePki(pkiRequest(dir)), /demo should be a folder of the PKI but is a file/);
    assert.equal(await readFile(dir, "utf8"), "not a folder");
  });

  test("hosts/ is a file: a UserError before any key is made", async (t) => {
    const dir = join(await temporaryDirectory(t), "demo");
    await mkdir(dir);
    await writeFile(join(dir, "hosts"), "not a folder");
    await refused(ensurePki(pkiRequest(dir)), /hosts should be a folder of the PKI but is a file/);
    assert.deepEqual(await readdir(dir), ["hosts"]);
  });

  test("ca.key is a folder: a UserError naming it, nothing written", async (t) => {
    const { dir, req } = await builtPki(t);
    await rm(join(dir, pkiPaths.caKey));
    await mkdir(join(dir, pkiPaths.caKey));
    await rm(join(dir, pkiPaths.hostCert("etcd-1")));
    const before = await contents(dir);
    await refused(ensurePki(req), /ca\.key is a folder, not a file/);
    assert.deepEqual(await contents(dir), before);
  });

  test("a host key that is a named pipe: a UserError at once (never a read that blocks), nothing written", async (t) => {
    const { dir, req } = await builtPki(t);
    const hostKey = join(dir, pkiPaths.hostKey("etcd-1"));
    await rm(hostKey);
    execFileSync("mkfifo", [hostKey]);
    await rm(join(dir, pkiPaths.hostCert("etcd-2")));
    const before = await contents(dir);
    await refused(ensurePki(req), /etcd-1\.key is not a regular file \(a pipe, socket or device\)/);
    assert.deepEqual(await contents(dir), before);
  });

  test("a truncated ca.key: 'damaged (not a PEM private key)', naming --replace-ca, nothing written", async (t) => {
    const { dir, req } = await builtPki(t);
    const key = await readFile(join(dir, pkiPaths.caKey), "utf8");
    await writeFile(join(dir, pkiPaths.caKey), key.slice(0, key.length / 2));
    await rm(join(dir, pkiPaths.hostCert("etcd-1")));
    const before = await contents(dir);
    await refused(ensurePki(req), /ca\.key is damaged \(not a PEM private key\)\. .*--replace-ca/);
    assert.deepEqual(await contents(dir), before);
  });

  test("a truncated ca.crt: 'damaged (not a PEM certificate…)', nothing written", async (t) => {
    const { dir, req } = await builtPki(t);
    const cert = await readFile(join(dir, pkiPaths.caCert), "utf8");
    await writeFile(join(dir, pkiPaths.caCert), `${cert.slice(0, 300)}\n-----END CERTIFICATE-----\n`);
    const before = await contents(dir);
    await refused(ensurePki(req), /ca\.crt is damaged \(not a PEM certificate/);
    assert.deepEqual(await contents(dir), before);
  });

  test("a damaged host key and a damaged client certificate: re-issued as 'damaged', each named in a note", async (t) => {
    const { dir, req } = await builtPki(t);
    const hostKey = join(dir, pkiPaths.hostKey("etcd-1"));
    const clientCert = join(dir, pkiPaths.clientCert("admin"));
    await writeFile(hostKey, pemArmour("MIGH"));
    await writeFile(clientCert, "garbage");
    const clientKeyBefore = await readFile(join(dir, pkiPaths.clientKey("admin")), "utf8");
    const { report } = await ensurePki(req);
    assert.deepEqual(report.issued, [
      { kind: "host", name: "etcd-1", reason: "damaged" },
      { kind: "client", name: "admin", reason: "damaged" },
    ]);
    assert.match(report.notes.join("\n"), new RegExp(`${hostKey} is damaged \\(not a PEM private key\\): replaced by a new key`));
    assert.match(report.notes.join("\n"), new RegExp(`${clientCert} is damaged \\(not a PEM certificate\\): issued again`));
    assert.equal(await readFile(join(dir, pkiPaths.clientKey("admin")), "utf8"), clientKeyBefore, "a sound key is kept");
    assert.equal(publicKeyOfCertificate(join(dir, pkiPaths.hostCert("etcd-1"))), publicKeyOfPrivateKey(hostKey));
    assertConsistent(dir);
  });
});

describe("a CA replacement cut short is finished or dropped, never left half", () => {
  /** The CA of another PKI folder, as this folder's staged pair (written whole before any rename). */
  async function stageOtherCa(t: TestContext, dir: string): Promise<{ cert: string; key: string }> {
    const other = await builtPki(t);
    await copyFile(join(other.dir, pkiPaths.caCert), join(dir, pkiPaths.stagedCaCert));
    await copyFile(join(other.dir, pkiPaths.caKey), join(dir, pkiPaths.stagedCaKey));
    return { cert: await readFile(join(other.dir, pkiPaths.caCert), "utf8"), key: await readFile(join(other.dir, pkiPaths.caKey), "utf8") };
  }

  test("staged key and certificate, nothing renamed yet: the new CA is put in place, every leaf re-issued for it", async (t) => {
    const { dir, req } = await builtPki(t);
    const staged = await stageOtherCa(t, dir);
    const { report } = await ensurePki(req);
    assert.equal(await readFile(join(dir, pkiPaths.caCert), "utf8"), staged.cert);
    assert.match(report.notes.join("\n"), /finished putting it in place/);
    assert.deepEqual(new Set(report.issued.map((issued) => issued.reason)), new Set(["other CA"]));
    assert.deepEqual((await readdir(dir)).filter((name) => name.includes("staged")), []);
    assertConsistent(dir);
  });

  test("the key renamed into place, the certificate still staged: finished", async (t) => {
    const { dir, req } = await builtPki(t);
    const staged = await stageOtherCa(t, dir);
    await rm(join(dir, pkiPaths.caKey));
    await copyFile(join(dir, pkiPaths.stagedCaKey), join(dir, pkiPaths.caKey));
    await rm(join(dir, pkiPaths.stagedCaKey));
    await ensurePki(req);
    assert.equal(await readFile(join(dir, pkiPaths.caKey), "utf8"), staged.key);
    assertConsistent(dir);
  });

  test("only a staged key (the certificate never written): dropped, the CA in place kept", async (t) => {
    const { dir, req } = await builtPki(t);
    const caBefore = await readFile(join(dir, pkiPaths.caCert), "utf8");
    await stageOtherCa(t, dir);
    await rm(join(dir, pkiPaths.stagedCaCert));
    const { report } = await ensurePki(req);
    assert.deepEqual(report.issued, []);
    assert.equal(await readFile(join(dir, pkiPaths.caCert), "utf8"), caBefore);
    assert.deepEqual((await readdir(dir)).filter((name) => name.includes("staged")), []);
    assertConsistent(dir);
  });
});
