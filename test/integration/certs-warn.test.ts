// certs --warn-days N, the check a monitoring job runs: exit 1 naming every certificate (CA,
// hosts, clients) that expires within N days, exit 0 otherwise. Certificates made at test time
// with short validity; the clock moved forward through main()'s io.now.

import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FIXED_NOW, runCliAt, tempDir } from "../support.js";

const DAY = 86_400_000;

describe("certs --warn-days", () => {
  let spec = "";
  let pki = "";
  const daysLater = (days: number) => new Date(FIXED_NOW.getTime() + days * DAY);
  const certs = (days: number, warn: string, ...more: string[]) => runCliAt(daysLater(days), ["certs", spec, "--pki", pki, "--warn-days", warn, ...more]);

  let dir = "";

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  before(async () => {
    dir = await tempDir("warn-days");
    spec = join(dir, "cluster.yaml");
    pki = join(dir, "pki");
    // CA for 90 days, host and client certificates for 40.
    await writeFile(spec, "apiVersion: etcdboot/v1alpha1\ncluster: {name: soon}\ntls: {validityDays: 40, caValidityDays: 90}\nhosts:\n  - {name: a, address: 10.0.0.1}\n  - {name: b, address: 10.0.0.2}\nclients: [admin, backup]\n");
    const built = await runCliAt(FIXED_NOW, ["build", spec, "--out", join(dir, "output"), "--pki", pki]);
    assert.equal(built.code, 0, built.err);
  });

  test("nothing expires within N days: exit 0, the list printed, nothing on stderr", async () => {
    const result = await certs(5, "34");
    assert.equal(result.code, 0, result.err);
    assert.equal(result.err, "");
    assert.match(result.out, /^KIND +NAME +NOT AFTER +DAYS LEFT +SERIAL\n(host|client) /);
  });

  test("host and client certificates within N days: exit 1, each named, with what renews them", async () => {
    const result = await certs(5, "35");
    assert.equal(result.code, 1);
    assert.match(result.err, /^etcdboot: 4 certificates expire within 35 days: /);
    for (const name of ["host a", "host b", "client admin", "client backup"]) assert.ok(result.err.includes(`${name} (`), `${name} named: ${result.err}`);
    assert.doesNotMatch(result.err, /ca soon CA/, "the CA has 85 days left");
    assert.match(result.err, /etcdboot build re-issues host and client certificates$/);
  });

  test("the CA too, and expired certificates with --warn-days 0", async () => {
    const ca = await certs(70, "20", "--json");
    assert.equal(ca.code, 1);
    assert.match(ca.err, /5 certificates expire within 20 days: .*ca soon CA \(2027-01-30T12:00:00\.000Z\).*: etcdboot build re-issues host and client certificates; the CA is renewed only by etcdboot build --replace-ca/);
    assert.equal((JSON.parse(ca.out) as unknown[]).length, 5, "--json still lists every certificate");
    const expired = await certs(45, "0");
    assert.equal(expired.code, 1);
    assert.match(expired.err, /4 certificates expire within 0 days/);
    assert.doesNotMatch(expired.err, /ca soon CA/);
    assert.equal((await certs(30, "0")).code, 0, "none expired yet");
  });

  test("N must be a whole number of days, 0 or more: a usage error otherwise, before anything is read", async () => {
    for (const bad of ["-1", "1.5", "ten", "", "1e3", "0x10", "9999999", " "]) {
      const result = await runCliAt(FIXED_NOW, ["certs", "/nonexistent/cluster.yaml", `--warn-days=${bad}`]);
      assert.equal(result.code, 2, `--warn-days ${JSON.stringify(bad)}: ${result.err}`);
      assert.match(result.err, /^etcdboot: --warn-days ".*" is not a whole number of days \(0 or more, at most 999999\): write e\.g\. --warn-days 30$/);
    }
    const missing = await runCliAt(FIXED_NOW, ["certs", spec, "--warn-days"]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--warn-days/);
  });
});
