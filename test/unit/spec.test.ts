// Bad specs → every problem at once, each with file:line:col, the field, and what to write.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatDiagnostic } from "../../src/spec/diagnostics.js";
import { assembleSpec } from "../../src/spec/load-spec.js";
import { loadProfiles } from "../../src/spec/profiles.js";

const profiles = await loadProfiles();

const HEADER = "apiVersion: etcdboot/v1alpha1\ncluster: {name: lab}\n";
const HOSTS = "hosts:\n  - {name: etcd-1, address: 10.0.0.1}\n  - {name: etcd-2, address: 10.0.0.2}\n  - {name: etcd-3, address: 10.0.0.3}\n";

function problems(text: string): string[] {
  const result = assembleSpec("cluster.yaml", text, profiles);
  assert.equal(result.ok, false, "the spec should be rejected");
  if (result.ok) return [];
  return result.diagnostics.map((d) => formatDiagnostic(result.source, d));
}

const cases: { name: string; text: string; expected: { at: string; says: RegExp }[] }[] = [
  {
    name: "bad address, unknown field, wrong arch and duplicate name, all at once",
    text: `${HEADER}hosts:\n  - {name: etcd-1, address: 10.0.0.x}\n  - {name: etcd-1, address: 10.0.0.2, arch: arm, colour: red}\n`,
    expected: [
      { at: "cluster.yaml:4:29: error: hosts[0].address", says: /"10\.0\.0\.x" is not an IP address: write an IPv4 or IPv6 address/ },
      { at: "cluster.yaml:5:45: error: hosts[1].arch", says: /"arm" is not allowed: use one of amd64, arm64/ },
      { at: "cluster.yaml:5:50: error: hosts[1].colour", says: /unknown field "colour": allowed here are name, address, dnsNames, target, arch, network/ },
      { at: "cluster.yaml:5:12: error: hosts[1].name", says: /"etcd-1" is already used by entry 0/ },
    ],
  },
  {
    name: "a version YAML reads as a number",
    text: `${HEADER}etcd: {version: 3.6}\n${HOSTS}`,
    expected: [{ at: "cluster.yaml:3:17: error: etcd.version", says: /expected string, got 3\.6 \(a number to YAML: put it in quotes/ }],
  },
  {
    name: "an unsupported etcd release",
    text: `${HEADER}etcd: {version: "3.3.27"}\n${HOSTS}`,
    expected: [{ at: "cluster.yaml:3:17: error: etcd.version", says: /not a supported etcd release: write an exact version of 3\.4\.x, 3\.5\.x, 3\.6\.x, 3\.7\.x/ }],
  },
  {
    name: "election timeout under five heartbeats",
    text: `${HEADER}tuning: {heartbeatIntervalMs: 300, electionTimeoutMs: 1000}\n${HOSTS}`,
    expected: [{ at: "cluster.yaml:3:55: error: tuning.electionTimeoutMs", says: /less than 5 x the heartbeat \(300 ms\).*at least 1500/ }],
  },
  {
    name: "an unknown target lists the shipped ones",
    text: `${HEADER}defaults: {target: debian-11}\n${HOSTS}`,
    expected: [{ at: "cluster.yaml:3:20: error: defaults.target", says: /use one of alpine-rpi, alpine-virt, debian-12, rocky-9, ubuntu-24\.04/ }],
  },
  {
    name: "a missing field",
    text: `${HEADER}hosts:\n  - {name: etcd-1}\n`,
    expected: [{ at: "cluster.yaml:4:5: error: hosts[0].address", says: /is required/ }],
  },
  {
    name: "duplicate addresses",
    text: `${HEADER}hosts:\n  - {name: etcd-1, address: 10.0.0.1}\n  - {name: etcd-2, address: 10.0.0.1}\n  - {name: etcd-3, address: 10.0.0.3}\n`,
    expected: [{ at: "cluster.yaml:5:29: error: hosts[1].address", says: /"10\.0\.0\.1" is already used by entry 0/ }],
  },
  {
    name: "a static network without prefix",
    text: `${HEADER}defaults: {network: {gateway: 10.0.0.254}}\n${HOSTS}`,
    expected: [{ at: "cluster.yaml:3:21: error: defaults.network", says: /needs "prefix"/ }],
  },
  {
    name: "an Alpine host without a persistent data partition, and one on an arch its target lacks",
    text: `${HEADER}hosts:\n  - {name: pi-1, address: 10.0.0.1, target: alpine-rpi, arch: arm64}\n  - {name: pi-2, address: 10.0.0.2, target: alpine-rpi, storage: {device: LABEL=etcd}}\n  - {name: vm-1, address: 10.0.0.3, storage: {device: /dev/vdb}}\n`,
    expected: [
      { at: "cluster.yaml:4:5: error: hosts[0]", says: /alpine-rpi runs from RAM: add storage: \{device: LABEL=etcd-data\}/ },
      { at: "cluster.yaml:5:45: error: hosts[1].target", says: /alpine-rpi runs on arm64, not amd64 \(Raspberry Pis need a 64-bit OS/ },
      { at: "cluster.yaml:6:46: error: hosts[2].storage", says: /storage is for Alpine \(apkovl\) hosts/ },
    ],
  },
  {
    name: "a release folder on this machine, for hosts that download at boot",
    text: `${HEADER}etcd: {downloadUrl: /srv/etcd-releases}\n${HOSTS}`,
    expected: [{ at: "cluster.yaml:3:21: error: etcd.downloadUrl", says: /debian-12 hosts download etcd at first boot and cannot reach a folder on this machine/ }],
  },
  {
    name: "wrong apiVersion",
    text: "apiVersion: etcdboot/v9\ncluster: {name: lab}\n",
    expected: [{ at: "cluster.yaml:1:13: error: apiVersion", says: /unknown apiVersion "etcdboot\/v9": this etcdboot reads etcdboot\/v1alpha1/ }],
  },
  {
    name: "YAML syntax error",
    text: `${HEADER}hosts:\n  - {name: etcd-1, address: 10.0.0.1\n`,
    expected: [{ at: "cluster.yaml:", says: /YAML:/ }],
  },
  {
    name: "duplicate keys",
    text: `${HEADER}cluster: {name: other}\n${HOSTS}`,
    expected: [{ at: "cluster.yaml:3:1: error: (top level)", says: /YAML: Map keys must be unique/ }],
  },
];

describe("invalid specs", () => {
  for (const c of cases) {
    test(c.name, () => {
      const found = problems(c.text);
      assert.equal(found.length, c.expected.length, `expected ${c.expected.length} problems, got:\n${found.join("\n")}`);
      for (const expected of c.expected) {
        const match = found.find((p) => p.startsWith(expected.at));
        assert.ok(match, `no problem at ${expected.at} in:\n${found.join("\n")}`);
        assert.match(match, expected.says);
      }
    });
  }

  test("the printed problem shows the source line with a caret under the value", () => {
    const [problem] = problems(`${HEADER}hosts:\n  - {name: etcd-1, address: 10.0.0.x}\n`);
    assert.equal(
      problem,
      [
        'cluster.yaml:4:29: error: hosts[0].address: "10.0.0.x" is not an IP address: write an IPv4 or IPv6 address such as 192.168.2.51',
        "  4 |   - {name: etcd-1, address: 10.0.0.x}",
        "    |                             ^",
      ].join("\n"),
    );
  });
});

describe("valid specs", () => {
  test("defaults, presets and profiles are resolved", () => {
    const result = assembleSpec("cluster.yaml", `${HEADER}tuning: raspberry-pi\n${HOSTS}`, profiles);
    assert.ok(result.ok);
    if (!result.ok) return;
    const { spec } = result;
    assert.equal(spec.etcd.version.text, "3.6.14");
    assert.equal(spec.cluster.token, "lab-etcd");
    assert.deepEqual([spec.tuning.heartbeatIntervalMs, spec.tuning.electionTimeoutMs], [250, 5000]);
    assert.equal(spec.tuning.quotaBackendBytes, 2 * 1024 ** 3);
    assert.equal(spec.hosts[0]?.target.name, "debian-12");
    assert.equal(spec.hosts[0]?.network, undefined);
    assert.deepEqual(spec.clients, [{ name: "admin" }]);
    assert.deepEqual(result.warnings, []);
  });

  test("a Raspberry Pi in the cluster makes raspberry-pi the default tuning; tmpfs storage is a warning", () => {
    const text = `${HEADER}hosts:\n  - {name: pi-1, address: 10.0.0.1, target: alpine-rpi, arch: arm64, storage: {tmpfs: true}}\n  - {name: b, address: 10.0.0.2}\n  - {name: c, address: 10.0.0.3}\n`;
    const result = assembleSpec("cluster.yaml", text, profiles);
    assert.ok(result.ok);
    if (!result.ok) return;
    assert.equal(result.spec.tuning.electionTimeoutMs, 5000);
    assert.match(result.warnings[0]?.message ?? "", /data lives in RAM on pi-1/);
  });

  test("an even member count is a warning, not an error", () => {
    const result = assembleSpec("cluster.yaml", `${HEADER}hosts:\n  - {name: a, address: 10.0.0.1}\n  - {name: b, address: 10.0.0.2}\n`, profiles);
    assert.ok(result.ok);
    if (result.ok) assert.match(result.warnings[0]?.message ?? "", /odd count/);
  });

  test("a host's MAC address selects the NIC in a static network", () => {
    const text = `${HEADER}defaults: {network: {prefix: 24, gateway: 10.0.0.254}}\nhosts:\n  - {name: a, address: 10.0.0.1, network: {macAddress: "52:54:00:AA:00:01"}}\n`;
    const result = assembleSpec("cluster.yaml", text, profiles);
    assert.ok(result.ok);
    if (result.ok) assert.deepEqual(result.spec.hosts[0]?.network, { prefixLength: 24, gateway: "10.0.0.254", dns: [], match: { macAddress: "52:54:00:aa:00:01" } });
  });
});
