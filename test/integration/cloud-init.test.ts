// Debian's cloud-init judges what we generate: `cloud-init schema` (with python3-jsonschema,
// so it really validates) for every user-data, and cloud-init's own network parser and
// renderers for every network-config. Negative controls prove the validators can say no.

import assert from "node:assert/strict";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { main } from "../../src/cli/main.js";
import { requirePrerequisites, SYSTEM_PYTHON } from "../harness/prerequisites.js";
import { cloudInitSchema, validateNetworkConfig } from "./support/cloud-init.js";
import { FIXED_NOW, REPO, tempDir } from "../support.js";

const SPECS = [
  join(REPO, "profiles", "examples", "three-vms.yaml"),
  join(REPO, "profiles", "starter.yaml"),
  join(REPO, "test", "golden", "static-3-hosts", "cluster.yaml"),
];

describe("cloud-init accepts what etcdboot writes", () => {
  for (const spec of SPECS) {
    test(spec.slice(REPO.length), async (t) => {
      if (!requirePrerequisites(t, { commands: ["cloud-init", SYSTEM_PYTHON] })) return;
      const dir = await tempDir("cloud-init");
      const out = join(dir, "out"); // beside the PKI, never around it
      const code = await main(["build", spec, "--out", out, "--pki", join(dir, "pki")], { out: () => {}, err: console.error, now: () => FIXED_NOW });
      assert.equal(code, 0);
      const [cluster] = await readdir(out);
      const hostsDir = join(out, cluster ?? "", "hosts");
      const networkConfigs: string[] = [];
      for (const host of await readdir(hostsDir)) {
        const result = await cloudInitSchema(join(hostsDir, host, "user-data"));
        assert.ok(result.ok && /Valid cloud-config/.test(result.output), `${host}/user-data: ${result.output}`);
        const files = await readdir(join(hostsDir, host));
        if (files.includes("network-config")) networkConfigs.push(join(hostsDir, host, "network-config"));
      }
      if (networkConfigs.length > 0) {
        const result = await validateNetworkConfig(networkConfigs);
        assert.ok(result.ok, result.output);
        assert.equal(result.output.match(/valid network-config/g)?.length, networkConfigs.length);
      }
    });
  }

  test("negative controls: the validators reject broken files", async (t) => {
    if (!requirePrerequisites(t, { commands: ["cloud-init", SYSTEM_PYTHON] })) return;
    const dir = await tempDir("cloud-init-bad");
    const userData = join(dir, "user-data");
    await writeFile(userData, "#cloud-config\nwrite_files:\n  - {path: /x, permissions: '0600', bogus: 1}\nruncmd: 5\n");
    const schema = await cloudInitSchema(userData);
    assert.equal(schema.ok, false, "cloud-init schema must reject it: is python3-jsonschema installed?");
    assert.match(schema.output, /bogus/);
    const networkConfig = join(dir, "network-config");
    await writeFile(networkConfig, "version: 2\nethernets:\n  primary:\n    addresses: [10.0.0.1/24]\n    routes: [{to: default, via: 10.0.0.254}]\n");
    const network = await validateNetworkConfig([networkConfig]);
    assert.equal(network.ok, false);
    assert.match(network.output, /INVALID/);
  });
});
