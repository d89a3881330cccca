// The etcd config and unit follow the release line: what 3.4 needs, 3.6 rejects, and back.

import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { renderEtcdConfig } from "../../src/etcd/config.js";
import { SYSTEMD_LAYOUT } from "../../src/etcd/layout.js";
import { renderSystemdUnit } from "../../src/etcd/systemd-unit.js";
import { releaseArtifact } from "../../src/etcd/release.js";
import { assembleSpec } from "../../src/spec/load-spec.js";
import { loadProfiles } from "../../src/spec/profiles.js";
import type { Spec } from "../../src/spec/types.js";

const profiles = await loadProfiles();

function specFor(version: string): Spec {
  const text = `apiVersion: etcdboot/v1alpha1\ncluster: {name: v}\netcd: {version: "${version}"}\nhosts:\n  - {name: a, address: "fd00::1", arch: arm64}\n`;
  const result = assembleSpec("v.yaml", text, profiles);
  assert.ok(result.ok);
  return result.ok ? result.spec : (undefined as never);
}

function configOf(version: string): Record<string, unknown> {
  const spec = specFor(version);
  return parse(renderEtcdConfig(spec, spec.hosts[0]!, SYSTEMD_LAYOUT, { clusterState: "new", members: spec.hosts })) as Record<string, unknown>;
}

test("3.4 gets the zap logger and the experimental corruption check", () => {
  const config = configOf("3.4.37");
  assert.equal(config["logger"], "zap");
  assert.equal(config["experimental-initial-corrupt-check"], true);
  assert.equal(config["feature-gates"], undefined);
});

test("3.5 keeps the experimental corruption check; zap is its default", () => {
  const config = configOf("3.5.21");
  assert.equal(config["logger"], undefined);
  assert.equal(config["experimental-initial-corrupt-check"], true);
});

test("3.6 and 3.7 use feature gates, no experimental-* key", () => {
  for (const version of ["3.6.14", "3.7.1"]) {
    const config = configOf(version);
    assert.equal(config["feature-gates"], "InitialCorruptCheck=true");
    assert.deepEqual(Object.keys(config).filter((key) => key.startsWith("experimental-")), []);
  }
});

test("IPv6 addresses are bracketed in every URL", () => {
  const config = configOf("3.6.14");
  assert.equal(config["initial-advertise-peer-urls"], "https://[fd00::1]:2380");
  assert.equal(config["initial-cluster"], "a=https://[fd00::1]:2380");
});

test("arm64 needs ETCD_UNSUPPORTED_ARCH before 3.5 only, and only etcdctl and etcd before 3.5", () => {
  for (const [version, needsVariable, binaries] of [["3.4.37", true, ["etcd", "etcdctl"]], ["3.5.21", false, ["etcd", "etcdctl", "etcdutl"]]] as const) {
    const spec = specFor(version);
    const unit = renderSystemdUnit(spec, spec.hosts[0]!);
    assert.equal(unit.includes("Environment=ETCD_UNSUPPORTED_ARCH=arm64"), needsVariable, version);
    assert.match(unit, /^ExecStart=\/usr\/local\/bin\/etcd --config-file \/etc\/etcd\/etcd\.conf\.yml$/m);
    assert.deepEqual(releaseArtifact(spec.etcd.downloadUrl, spec.etcd.version, "arm64").binaries, binaries);
  }
});
