// Which certificates are retired (and so go on the CRL), how state.json keeps them, and what plan
// tells the running members when the CRL changes. Pure: no PKI, no cluster.

import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { assembleChangePlan } from "../../src/state/change-plan.js";
import { retiredCertificates, type HandedOut } from "../../src/state/record-build.js";
import { readState, statePath, writeState } from "../../src/state/state-file.js";
import type { Bootstrap, BuildState, CertificateRecord, MemberState } from "../../src/state/types.js";

const cert = (serial: string): CertificateRecord => ({ serial, notAfter: "2036-01-01T00:00:00.000Z" });
const bootstrap: Bootstrap = { clusterState: "new", members: [] };
const member = (name: string, address: string, serial: string, userData = "ab", crl = "11"): MemberState => ({
  name,
  address,
  dnsNames: [],
  peerUrl: `https://${address}:2380`,
  clientUrl: `https://${address}:2379`,
  bootstrap,
  certificate: cert(serial),
  artifacts: { [`hosts/${name}/user-data`]: userData.repeat(32) },
  files: { "/etc/etcd/pki/crl.der": crl.repeat(32) },
});
const handedOut = (hosts: [string, string][], clients: [string, string][]): HandedOut => ({
  hosts: new Map(hosts.map(([name, serial]) => [name, cert(serial)])),
  clients: new Map(clients.map(([name, serial]) => [name, cert(serial)])),
});

const previous: BuildState = {
  cluster: "c",
  members: [member("a", "10.0.0.1", "0a"), member("b", "10.0.0.2", "0b"), member("c", "10.0.0.3", "0c")],
  clients: [
    { name: "admin", certificate: cert("1a") },
    { name: "app", certificate: cert("1b") },
  ],
  retired: [{ name: "old", address: "10.0.0.9", certificate: cert("09") }],
  revocationListSha256: "11".repeat(32),
};

describe("retired certificates", () => {
  test("removed and replaced hosts and clients are retired; kept ones and earlier retirements stay as they were", () => {
    // c removed, b renewed (new serial), app removed, admin renewed.
    const retired = retiredCertificates(previous, handedOut([["a", "0a"], ["b", "2b"]], [["admin", "2a"]]));
    assert.deepEqual(retired, [
      { name: "old", address: "10.0.0.9", certificate: cert("09") },
      { name: "b", address: "10.0.0.2", certificate: cert("0b") },
      { name: "c", address: "10.0.0.3", certificate: cert("0c") },
      { name: "admin", kind: "client", certificate: cert("1a") },
      { name: "app", kind: "client", certificate: cert("1b") },
    ]);
  });

  test("a certificate handed out again is not retired, and none is listed twice", () => {
    const again: BuildState = { ...previous, retired: [...previous.retired, { name: "c", address: "10.0.0.3", certificate: cert("0c") }] };
    const retired = retiredCertificates(again, handedOut([["a", "0a"], ["b", "0b"], ["old", "09"]], [["admin", "1a"], ["app", "1b"]]));
    assert.deepEqual(retired.map((r) => r.certificate.serial), ["0c"]);
  });

  test("the first build retires nothing", () => {
    assert.deepEqual(retiredCertificates(undefined, handedOut([["a", "0a"]], [])), []);
  });

  test("state.json keeps clients, retired clients and the CRL's hash, and still reads a state written before them", async () => {
    const dir = await mkdtemp(join(tmpdir(), "etcdboot-retired-"));
    const next: BuildState = { ...previous, retired: retiredCertificates(previous, handedOut([["a", "0a"]], [["admin", "1a"]])) };
    await writeState(dir, next);
    assert.deepEqual(await readState(dir), next);
    const { clients: _clients, revocationListSha256: _sha, ...older } = previous;
    await writeFile(statePath(dir), JSON.stringify({ stateVersion: 2, cluster: "c", bootstraps: [bootstrap], members: older.members.map((m) => ({ ...m, bootstrap: 0 })), retired: older.retired }));
    assert.deepEqual(await readState(dir), older);
  });
});

describe("plan when the CRL changes", () => {
  test("members that stay copy the new crl.der (no restart); the removed one is taken out", () => {
    const next: BuildState = { ...previous, members: [member("a", "10.0.0.1", "0a", "cd", "22"), member("b", "10.0.0.2", "0b", "cd", "22")], revocationListSha256: "22".repeat(32) };
    const plan = assembleChangePlan(previous, next, { caCreated: false, issued: [], reused: [], notes: [] }, "cluster.yaml");
    for (const name of ["a", "b"]) {
      const line = plan.hosts.find((h) => h.host === name);
      assert.deepEqual(line?.reasons, ["revocation list"]);
      assert.deepEqual(line?.clusterSteps, [`copy crl.der to /etc/etcd/pki/crl.der on ${name} (etcd reads it for every new connection: no restart)`]);
    }
    assert.equal(plan.hosts.find((h) => h.host === "c")?.change, "removed");
  });

  test("an unchanged CRL adds nothing; a state from before CRLs means the configuration changed (restart)", () => {
    const same = assembleChangePlan(previous, previous, undefined, "cluster.yaml");
    assert.ok(same.hosts.every((h) => h.change === "unchanged" && h.clusterSteps.length === 0));
    // Written before per-file records and the CRL: neither the CRL's hash nor the files' hashes.
    const { revocationListSha256: _sha, ...withFiles } = previous;
    const before: BuildState = { ...withFiles, members: withFiles.members.map(({ files: _files, ...m }) => m) };
    const next: BuildState = { ...previous, members: previous.members.map((m) => ({ ...m, artifacts: { [`hosts/${m.name}/user-data`]: "ef".repeat(32) } })) };
    const upgraded = assembleChangePlan(before, next, undefined, "cluster.yaml");
    assert.ok(upgraded.hosts.every((h) => h.reasons.join() === "configuration" && /restart etcd there/.test(h.clusterSteps.join())), JSON.stringify(upgraded.hosts));
  });
});
