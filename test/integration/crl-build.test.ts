// The CRL through the CLI: a first build writes an empty signed one; rebuilding later changes no
// byte of it; removing a host and a client, renewing, and --replace-ca each put the retired
// serials on it (openssl agrees); a damaged kept CRL is simply made again.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { main } from "../../src/cli/main.js";
import type { ChangePlan } from "../../src/state/change-plan.js";
import { FIXED_NOW, tempDir } from "../support.js";

const DAY = 86_400_000;

async function runAt(now: Date, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), now: () => now });
  assert.equal(code, 0, err.join("\n"));
  return out.join("\n");
}

const openssl = (...args: string[]) => execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

test("build keeps the CRL while nothing is retired, and lists every certificate it retires", async (t) => {
  const dir = await tempDir("crl-build");
  t.after(() => rm(dir, { recursive: true, force: true }));
  const spec = join(dir, "cluster.yaml");
  const hosts = ["  - {name: a, address: 10.0.0.1}", "  - {name: b, address: 10.0.0.2}", "  - {name: c, address: 10.0.0.3}"];
  const writeSpec = (hostLines: string[], clients: string) => writeFile(spec, `apiVersion: etcdboot/v1alpha1\ncluster: {name: crl}\nclients: [${clients}]\nhosts:\n${hostLines.join("\n")}\n`);
  const dirs = ["--out", join(dir, "output"), "--pki", join(dir, "pki")];
  const out = (name: string) => join(dir, "output", "crl", name);
  const pki = (name: string) => join(dir, "pki", "crl", name);
  const serialOf = (path: string) => openssl("x509", "-noout", "-serial", "-in", path).trim().replace("serial=", "").toLowerCase();
  const listed = () => [...openssl("crl", "-noout", "-text", "-in", out("crl.pem")).matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => (m[1] ?? "").toLowerCase()).sort();
  const verified = () => execFileSync("openssl", ["crl", "-verify", "-noout", "-in", out("crl.pem"), "-CAfile", out("ca.crt")], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

  await writeSpec(hosts, "admin, app");
  await runAt(FIXED_NOW, ["build", spec, ...dirs]);
  verified();
  assert.deepEqual(listed(), []);
  const first = await readFile(out("crl.der"));
  assert.equal(await readFile(pki("crl.pem"), "utf8"), await readFile(out("crl.pem"), "utf8"), "the PKI folder keeps the CRL it made");
  const userData = await readFile(out("hosts/a/user-data"), "utf8");
  assert.ok(userData.includes(`content: ${first.toString("base64")}`), "every host carries the CRL (DER)");

  const later = new Date(FIXED_NOW.getTime() + 10 * DAY);
  const unchanged = JSON.parse(await runAt(later, ["plan", spec, ...dirs, "--json"])) as ChangePlan;
  assert.ok(unchanged.hosts.every((h) => h.change === "unchanged"), "ten days later the same spec plans no change: the CRL is kept byte for byte");

  // A damaged kept CRL is made again rather than refused; with the same (empty) list it is valid again.
  await writeFile(pki("crl.pem"), "garbage\n");
  const c = { cert: pki("hosts/c.crt"), app: pki("clients/app.crt") };
  const retiring = { c: serialOf(c.cert), app: serialOf(c.app) };
  await writeSpec(hosts.slice(0, 2), "admin");
  await runAt(later, ["build", spec, ...dirs]);
  verified();
  assert.deepEqual(listed(), [retiring.c, retiring.app].sort(), "the removed host's and client's serials");
  assert.equal(await readFile(pki("crl.pem"), "utf8"), await readFile(out("crl.pem"), "utf8"));

  const replacedLeaves = [pki("hosts/a.crt"), pki("hosts/b.crt"), pki("clients/admin.crt")].map(serialOf);
  await runAt(later, ["build", spec, ...dirs, "--replace-ca"]);
  verified();
  assert.deepEqual(listed(), [...replacedLeaves, retiring.c, retiring.app].sort(), "--replace-ca retires every leaf of the old CA");
});
