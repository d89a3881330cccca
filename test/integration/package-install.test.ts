// etcdboot as a command on PATH: `npm pack` makes a tarball with only the runtime files, and
// `npm install -g` of it into a temporary prefix gives a working `etcdboot` — version, init (whose
// schema line points at the installed schema), build and schema, run from there. npm runs
// --offline: the dependencies come from the npm cache `npm ci` filled, never from the network.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { REPO, tempDir } from "../support.js";

const run = promisify(execFile);
const RUNTIME = /^(package\.json|README\.md|LICENSE|bin\/[^/]+\.js|dist\/src\/.+\.js|profiles\/.+\.yaml|schema\/[^/]+\.json)$/;

test("npm pack + npm install -g: the installed etcdboot command works", { timeout: 5 * 60_000 }, async (t) => {
  if (!requirePrerequisites(t, { commands: ["npm"] })) return;
  const dir = await tempDir("install");
  t.after(() => rm(dir, { recursive: true, force: true })); // an installed copy with its dependencies: tens of MB
  // The suite has compiled dist/ already: --ignore-scripts keeps prepare from recompiling it under the running tests.
  const { stdout: packed } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: REPO });
  const [tarball] = JSON.parse(packed) as Array<{ filename: string; files: Array<{ path: string }> }>;
  assert.ok(tarball);
  const paths = tarball.files.map((f) => f.path).sort();
  assert.deepEqual(paths.filter((path) => !RUNTIME.test(path)), [], "only runtime files in the package");
  for (const needed of ["bin/etcdboot.js", "dist/src/cli/main.js", "schema/etcdboot-v1alpha1.json", "profiles/starter.yaml", "profiles/examples/three-vms.yaml", "README.md"])
    assert.ok(paths.includes(needed), `${needed} is in the package`);

  const prefix = join(dir, "prefix");
  try {
    await run("npm", ["install", "--global", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", join(dir, tarball.filename)], { cwd: dir });
  } catch (error) {
    assert.fail(`npm install of the tarball failed (is the npm cache filled? run npm ci first): ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }
  const etcdboot = join(prefix, "bin", "etcdboot");
  const env = { ...process.env, PATH: `${join(prefix, "bin")}:${process.env["PATH"] ?? ""}` };
  const inWork = { cwd: dir, env };

  const { stdout: version } = await run("etcdboot", ["--version"], inWork);
  const { version: expected } = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as { version: string };
  assert.match(version, new RegExp(`^etcdboot ${expected.replace(/\./g, "\\.")}\netcd releases: 3\\.4\\.x`));

  await run(etcdboot, ["init", "cluster.yaml"], inWork);
  const spec = await readFile(join(dir, "cluster.yaml"), "utf8");
  const schemaUrl = /^# yaml-language-server: \$schema=(\S+)$/m.exec(spec)?.[1];
  assert.ok(schemaUrl, "init writes the schema line");
  const schemaPath = fileURLToPath(schemaUrl);
  assert.ok(schemaPath.startsWith(prefix) && existsSync(schemaPath), `the schema line names the installed schema: ${schemaPath}`);
  assert.equal(await readFile(schemaPath, "utf8"), await readFile(join(REPO, "schema", "etcdboot-v1alpha1.json"), "utf8"));

  const { stdout: built } = await run("etcdboot", ["build", "cluster.yaml", "--quiet"], inWork);
  assert.match(built, /wrote \S*output\/demo\n?$/);
  assert.deepEqual((await readdir(join(dir, "output", "demo", "hosts"))).sort(), ["etcd-1", "etcd-2", "etcd-3"]);
  const { stdout: schema } = await run("etcdboot", ["schema"], inWork);
  assert.equal(schema, await readFile(schemaPath, "utf8"));
});
