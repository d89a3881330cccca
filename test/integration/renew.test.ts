// Certificates near expiry: listed by certs, planned and re-issued by build (only theirs),
// and the host's artifacts carry the new certificate.

import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { CertificateLine } from "../../src/ops/certs.js";
import type { ChangePlan } from "../../src/state/change-plan.js";
import { FIXED_NOW, runCliAt, tempDir } from "../support.js";

const DAY = 86_400_000;

test("certificates near expiry are listed, planned, and re-issued alone", async () => {
  const dir = await tempDir("renew");
  const spec = join(dir, "cluster.yaml");
  await writeFile(spec, "apiVersion: etcdboot/v1alpha1\ncluster: {name: short}\ntls: {validityDays: 60}\nhosts:\n  - {name: a, address: 10.0.0.1}\n  - {name: b, address: 10.0.0.2}\n  - {name: c, address: 10.0.0.3}\n");
  const dirs = ["--out", join(dir, "output"), "--pki", join(dir, "pki")];
  assert.equal((await runCliAt(FIXED_NOW, ["build", spec, ...dirs])).code, 0);

  const later = new Date(FIXED_NOW.getTime() + 50 * DAY);
  const listed = await runCliAt(later, ["certs", spec, "--pki", join(dir, "pki"), "--json"]);
  assert.equal(listed.code, 0, listed.err);
  const lines = JSON.parse(listed.out) as CertificateLine[];
  assert.deepEqual(lines.filter((l) => l.kind !== "ca").map((l) => l.daysLeft), [10, 10, 10, 10]);

  const planned = await runCliAt(later, ["plan", spec, ...dirs, "--json"]);
  const plan = JSON.parse(planned.out) as ChangePlan;
  assert.ok(plan.hosts.every((h) => h.change === "changed" && h.reasons.includes("certificate (expires soon)")), planned.out);
  assert.match(plan.hosts[0]?.clusterSteps[0] ?? "", /copy hosts\/a\/member\.crt to \/etc\/etcd\/pki\/member\.crt on a \(etcd reads certificates again for new connections: no restart\)/);
  assert.match(plan.hosts[0]?.clusterSteps[1] ?? "", /^copy crl\.der to \/etc\/etcd\/pki\/crl\.der on a /, "the CRL now lists the replaced certificates");

  const before = await readFile(join(dir, "output", "short", "hosts", "a", "user-data"), "utf8");
  const built = await runCliAt(later, ["build", spec, ...dirs]);
  assert.equal(built.code, 0, built.err);
  assert.match(built.out, /issued host certificate a \(expires soon\)/);
  const after = await readFile(join(dir, "output", "short", "hosts", "a", "user-data"), "utf8");
  assert.notEqual(after, before);
  const copy = await readFile(join(dir, "output", "short", "hosts", "a", "member.crt"), "utf8");
  assert.equal(copy, await readFile(join(dir, "pki", "short", "hosts", "a.crt"), "utf8"), "the renewed certificate is offered on its own");
  assert.ok(after.includes(copy.split("\n")[1] ?? "-"), "and is in the host's user-data");
  const renewed = JSON.parse((await runCliAt(later, ["certs", spec, "--pki", join(dir, "pki"), "--json"])).out) as CertificateLine[];
  assert.ok(renewed.filter((l) => l.kind !== "ca").every((l) => l.daysLeft >= 59 && l.daysLeft <= 60), "valid for 60 days from now again");
  const state = JSON.parse(await readFile(join(dir, "pki", "short", "state.json"), "utf8")) as { retired: { name: string }[] };
  assert.deepEqual(state.retired.map((r) => r.name).sort(), ["a", "admin", "b", "c"], "the replaced certificates are retired, the client's too");
});
