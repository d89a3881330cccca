// Specs that would build but could not work: each refused (or warned about) at the offending
// field, with a line and a fix. One row per rule; the spellings the rule must see through.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatDiagnostic } from "../../src/spec/diagnostics.js";
import { canonicalIpAddress, formatIpAddress, parseIpAddress } from "../../src/spec/ip-address.js";
import { assembleSpec } from "../../src/spec/load-spec.js";
import { loadProfiles } from "../../src/spec/profiles.js";
import { parseEtcdVersion } from "../../src/etcd/version.js";

const profiles = await loadProfiles();

const HEADER = "apiVersion: etcdboot/v1alpha1\ncluster: {name: lab}\n";
const THREE = "  - {name: etcd-1, address: 10.0.0.1}\n  - {name: etcd-2, address: 10.0.0.2}\n  - {name: etcd-3, address: 10.0.0.3}\n";
/** Three hosts, the given one first (line 4 of the spec). */
const withHost = (host: string, before = "") => `${HEADER}${before}hosts:\n  - ${host}\n${THREE.split("\n").slice(1).join("\n")}`;

interface Expected {
  at: string;
  says: RegExp;
}

/** Every problem printed, errors and warnings alike, as the CLI prints them. */
function printed(text: string): { ok: boolean; lines: string[] } {
  const result = assembleSpec("cluster.yaml", text, profiles);
  const found = result.ok ? result.warnings : result.diagnostics;
  return { ok: result.ok, lines: found.map((d) => formatDiagnostic(result.source, d)) };
}

function assertProblems(lines: string[], expected: Expected[]): void {
  assert.equal(lines.length, expected.length, `expected ${expected.length} problems, got:\n${lines.join("\n")}`);
  for (const { at, says } of expected) {
    const match = lines.find((p) => p.startsWith(at));
    assert.ok(match, `no problem at ${at} in:\n${lines.join("\n")}`);
    assert.match(match, says);
  }
}

const errors: { name: string; text: string; expected: Expected[] }[] = [
  {
    name: "client port equal to peer port",
    text: `${HEADER}etcd: {clientPort: 2390, peerPort: 2390}\nhosts:\n${THREE}`,
    expected: [{ at: "cluster.yaml:3:36: error: etcd.peerPort", says: /peerPort 2390 is also the clientPort: .*use 2380/ }],
  },
  {
    name: "client or peer port equal to the metrics port",
    text: `${HEADER}etcd: {clientPort: 2381, peerPort: 2381}\nhosts:\n${THREE}`,
    expected: [
      { at: "cluster.yaml:3:36: error: etcd.peerPort: peerPort 2381 is also", says: /clientPort/ },
      { at: "cluster.yaml:3:20: error: etcd.clientPort", says: /clientPort 2381 is etcd's metrics port on every member: use 2379/ },
      { at: "cluster.yaml:3:36: error: etcd.peerPort: peerPort 2381 is etcd's", says: /metrics port.*use 2380/ },
    ],
  },
  {
    name: "a metrics port the user chose that another listener has: reported at metrics.port",
    text: `${HEADER}etcd: {clientPort: 9100, peerPort: 9101}\nmetrics: {listen: host, port: 9100}\nhosts:\n${THREE}`,
    expected: [{ at: "cluster.yaml:4:31: error: metrics.port", says: /metrics port 9100 is also etcd\.clientPort: etcd cannot listen twice on one port; use 2381/ }],
  },
  {
    name: "metrics.listen is localhost or host, and its port a port etcd may bind",
    text: `${HEADER}metrics: {listen: 0.0.0.0, port: 80}\nhosts:\n${THREE}`,
    expected: [
      { at: "cluster.yaml:3:19: error: metrics.listen", says: /localhost|host/ },
      { at: "cluster.yaml:3:34: error: metrics.port", says: /port 80 is below 1024/ },
    ],
  },
  {
    name: "a port only root may bind, and one that does not exist",
    text: `${HEADER}etcd: {clientPort: 443, peerPort: 70000}\nhosts:\n${THREE}`,
    expected: [
      { at: "cluster.yaml:3:20: error: etcd.clientPort", says: /port 443 is below 1024, which only root may bind, and etcd runs as the etcd user: use 2379\/2380/ },
      { at: "cluster.yaml:3:35: error: etcd.peerPort", says: /port 70000 does not exist: use a port from 1024 to 65535/ },
    ],
  },
  {
    name: "one address written two ways",
    text: `${HEADER}hosts:\n  - {name: etcd-1, address: "fd00::1"}\n  - {name: etcd-2, address: "fd00:0:0::1"}\n  - {name: etcd-3, address: "FD00::0001"}\n`,
    expected: [
      { at: "cluster.yaml:5:29: error: hosts[1].address", says: /address "fd00:0:0::1" is already used by entry 0 \(written there as "fd00::1"\)/ },
      { at: "cluster.yaml:6:29: error: hosts[2].address", says: /address "FD00::0001" is already used by entry 0/ },
    ],
  },
  {
    name: "an IPv6 zone id",
    text: withHost('{name: etcd-1, address: "fe80::1%eth0"}'),
    expected: [{ at: "cluster.yaml:4:29: error: hosts[0].address", says: /"fe80::1%eth0" has a zone id \(%eth0\), which a peer URL or a network config cannot carry/ }],
  },
  ...(
    [
      ["0.0.0.0", /the unspecified address/],
      ["::", /the unspecified address/],
      ["255.255.255.255", /the broadcast address/],
      ["239.1.2.3", /a multicast address/],
      ["ff02::1", /a multicast address/],
      ["127.0.0.1", /a loopback address: the other members cannot reach it/],
      ["::1", /a loopback address/],
      ["fe80::1", /a link-local address, which works only with a zone id/],
      ["::ffff:10.0.0.9", /an IPv4 address in IPv6 dress: write it as IPv4, 10\.0\.0\.9/],
      ["010.0.0.9", /is not an IP address/],
    ] as const
  ).map(([address, says]) => ({
    name: `a member address that cannot be one: ${address}`,
    text: withHost(`{name: etcd-1, address: "${address}"}`),
    expected: [{ at: "cluster.yaml:4:29: error: hosts[0].address", says }],
  })),
  {
    name: "the subnet's network and broadcast addresses",
    text: `${HEADER}defaults: {network: {prefix: 24, gateway: 10.0.0.254}}\nhosts:\n  - {name: etcd-1, address: 10.0.0.0}\n  - {name: etcd-2, address: 10.0.0.255}\n  - {name: etcd-3, address: 10.0.0.3}\n`,
    expected: [
      { at: "cluster.yaml:5:29: error: hosts[0].address", says: /10\.0\.0\.0 is the network address of its \/24 subnet/ },
      { at: "cluster.yaml:6:29: error: hosts[1].address", says: /10\.0\.0\.255 is the broadcast address of its \/24 subnet/ },
    ],
  },
  {
    name: "IPv6: the subnet-router anycast address is a router's, not a member's; an IPv4 gateway on the subnet's broadcast address",
    text: `${HEADER}hosts:\n  - {name: etcd-1, address: "fd00:0:0:1::", network: {prefix: 64}}\n  - {name: etcd-2, address: "fd00::2", network: {prefix: 64, gateway: "fd00::"}}\n  - {name: etcd-3, address: 10.0.0.3, network: {prefix: 24, gateway: 10.0.0.255}}\n`,
    expected: [
      { at: "cluster.yaml:4:29: error: hosts[0].address", says: /fd00:0:0:1:: is the subnet-router anycast address of its \/64 subnet/ },
      { at: "cluster.yaml:6:70: error: hosts[2].network.gateway", says: /gateway 10\.0\.0\.255 is the broadcast address of the \/24 subnet/ },
    ],
  },
  {
    name: "a gateway outside the host's prefix, and one equal to the host's address",
    text: `${HEADER}hosts:\n  - {name: etcd-1, address: 10.0.0.1, network: {prefix: 24, gateway: 10.0.1.1}}\n  - {name: etcd-2, address: 10.0.0.2, network: {prefix: 24, gateway: 10.0.0.2}}\n  - {name: etcd-3, address: "fd00::3", network: {prefix: 64, gateway: "fd01::1"}}\n`,
    expected: [
      { at: "cluster.yaml:4:70: error: hosts[0].network.gateway", says: /gateway 10\.0\.1\.1 is outside etcd-1's subnet 10\.0\.0\.1\/24, so the host cannot reach it/ },
      { at: "cluster.yaml:5:70: error: hosts[1].network.gateway", says: /gateway 10\.0\.0\.2 is etcd-2's own address/ },
      { at: "cluster.yaml:6:71: error: hosts[2].network.gateway", says: /gateway fd01::1 is outside etcd-3's subnet fd00::3\/64/ },
    ],
  },
  {
    name: "a gateway or DNS server that is no router or resolver",
    text: withHost("{name: etcd-1, address: 10.0.0.1, network: {prefix: 24, gateway: 127.0.0.1, dns: [0.0.0.0, 224.0.0.1]}}"),
    expected: [
      { at: "cluster.yaml:4:70: error: hosts[0].network.gateway", says: /"127\.0\.0\.1" is a loopback address: no packet leaves the host through it/ },
      { at: "cluster.yaml:4:87: error: hosts[0].network.dns[0]", says: /the unspecified address/ },
      { at: "cluster.yaml:4:96: error: hosts[0].network.dns[1]", says: /a multicast address/ },
    ],
  },
  {
    name: "one MAC for several hosts, however it is spelled",
    text: `${HEADER}hosts:\n  - {name: etcd-1, address: 10.0.0.1, network: {prefix: 24, macAddress: "52:54:00:aa:00:01"}}\n  - {name: etcd-2, address: 10.0.0.2, network: {prefix: 24, macAddress: "52:54:00:AA:00:01"}}\n  - {name: etcd-3, address: 10.0.0.3}\n`,
    expected: [{ at: "cluster.yaml:5:73: error: hosts[1].network.macAddress", says: /MAC address "52:54:00:AA:00:01" is already used by entry 0/ }],
  },
  {
    name: "a MAC in defaults, which every host would share",
    text: `${HEADER}defaults: {network: {prefix: 24, macAddress: "52:54:00:aa:00:01"}}\nhosts:\n${THREE}`,
    expected: [{ at: "cluster.yaml:3:46: error: defaults.network.macAddress", says: /names one machine's NIC, not every host's/ }],
  },
  {
    name: "a version with leading zeros names a URL that does not exist",
    text: `${HEADER}etcd: {version: "03.6.014"}\nhosts:\n${THREE}`,
    expected: [{ at: "cluster.yaml:3:17: error: etcd.version", says: /"03\.6\.014" is not a supported etcd release: .* such as 3\.6\.14 \(plain numbers, no leading zeros\)/ }],
  },
  {
    name: "a quota beyond 2^53, as an exponent or with a unit",
    text: `${HEADER}tuning: {quotaBackendBytes: 1.07e+23}\nhosts:\n${THREE}`,
    expected: [{ at: "cluster.yaml:3:29: error: tuning.quotaBackendBytes", says: /must be at most 9007199254740991, got 1\.07e\+23/ }],
  },
  {
    name: "a quota beyond 2^53 with a unit",
    text: `${HEADER}tuning: {quotaBackendBytes: "100000000000000GiB"}\nhosts:\n${THREE}`,
    expected: [{ at: "cluster.yaml:3:29: error: tuning.quotaBackendBytes", says: /"100000000000000GiB" is far too large: etcd's suggested maximum is 8GiB/ }],
  },
  {
    name: "a host named root: its certificate CN is etcd's root user",
    text: withHost("{name: root, address: 10.0.0.1}"),
    expected: [{ at: "cluster.yaml:4:12: error: hosts[0].name", says: /CN "root" would act as etcd's root user once auth is enabled/ }],
  },
  {
    name: "a client with the same CN as a host",
    text: `${HEADER}hosts:\n${THREE}clients: [admin, etcd-2]\n`,
    expected: [{ at: "cluster.yaml:7:18: error: clients[1]", says: /client "etcd-2" has the same certificate CN as host entry 1.*etcd-2-client/ }],
  },
  {
    name: "a client for something etcdboot makes no bundle for",
    text: `${HEADER}hosts:\n${THREE}clients: [admin, {name: k8s, for: kubelet}]\n`,
    expected: [{ at: "cluster.yaml:7:35: error: clients[1].for", says: /"kubelet" is not allowed: use one of k3s, kube-apiserver/ }],
  },
  {
    name: "a client named twice, once plain and once with a purpose",
    text: `${HEADER}hosts:\n${THREE}clients: [k3s, {name: k3s, for: k3s}]\n`,
    expected: [{ at: "cluster.yaml:7:23: error: clients[1].name", says: /client "k3s" is already used by entry 0/ }],
  },
  {
    name: "a client mapping with a bad name, and one with an unknown field",
    text: `${HEADER}hosts:\n${THREE}clients:\n  - {name: K3s, for: k3s}\n  - {name: api, purpose: kube-apiserver}\n`,
    expected: [
      { at: "cluster.yaml:8:12: error: clients[0].name", says: /"K3s" is not a valid host name/ },
      { at: "cluster.yaml:9:17: error: clients[1].purpose", says: /unknown field "purpose": allowed here are name, for/ },
    ],
  },
  {
    name: "a client with a purpose named like a host",
    text: `${HEADER}hosts:\n${THREE}clients: [admin, {name: etcd-3, for: k3s}]\n`,
    expected: [{ at: "cluster.yaml:7:18: error: clients[1]", says: /client "etcd-3" has the same certificate CN as host entry 2/ }],
  },
  {
    name: "no client at all",
    text: `${HEADER}hosts:\n${THREE}clients: []\n`,
    expected: [{ at: "cluster.yaml:7:10: error: clients", says: /list at least one client, e\.g\. clients: \[admin\]/ }],
  },
  {
    name: "leaf certificates that outlive their CA",
    text: `${HEADER}tls: {validityDays: 3650, caValidityDays: 365}\nhosts:\n${THREE}`,
    expected: [{ at: "cluster.yaml:3:21: error: tls.validityDays", says: /valid for 3650 days would outlive the CA \(caValidityDays: 365\)/ }],
  },
  {
    name: "two hosts sharing a DNS name, and a DNS name that is another host's name",
    text: `${HEADER}hosts:\n  - {name: etcd-1, address: 10.0.0.1, dnsNames: [db.example, etcd-3]}\n  - {name: etcd-2, address: 10.0.0.2, dnsNames: [DB.example]}\n  - {name: etcd-3, address: 10.0.0.3}\n`,
    expected: [
      { at: "cluster.yaml:4:62: error: hosts[0].dnsNames[1]", says: /"etcd-3" already names host entry 2/ },
      { at: "cluster.yaml:5:50: error: hosts[1].dnsNames[0]", says: /"DB\.example" already names host entry 0.*give each host its own names/ },
    ],
  },
];

const warnings: { name: string; text: string; expected: Expected[] }[] = [
  {
    name: "a quota above etcd's suggested 8 GiB",
    text: `${HEADER}tuning: {quotaBackendBytes: 16GiB}\nhosts:\n${THREE}`,
    expected: [{ at: "cluster.yaml:3:29: warning: tuning.quotaBackendBytes", says: /17179869184 bytes is above etcd's suggested maximum of 8GiB/ }],
  },
  {
    name: "more than 7 members",
    text: `${HEADER}hosts:\n${Array.from({ length: 9 }, (_, i) => `  - {name: etcd-${i + 1}, address: 10.0.0.${i + 1}}\n`).join("")}`,
    expected: [{ at: "cluster.yaml:4:3: warning: hosts", says: /9 members: etcd's guidance is at most 7/ }],
  },
];

describe("specs that build but cannot work", () => {
  for (const c of errors)
    test(c.name, () => {
      const { ok, lines } = printed(c.text);
      assert.equal(ok, false, "the spec should be refused");
      assertProblems(lines, c.expected);
    });
  for (const c of warnings)
    test(`warning: ${c.name}`, () => {
      const { ok, lines } = printed(c.text);
      assert.equal(ok, true, lines.join("\n"));
      assertProblems(lines, c.expected);
    });

  test("what may be used is accepted, and addresses reach the Spec in one spelling", () => {
    const text = `${HEADER}etcd: {clientPort: 12379, peerPort: 12380}\ndefaults: {network: {prefix: 64, gateway: "fe80::1", dns: ["FD00:0:0::53", 127.0.0.53]}}\nhosts:\n  - {name: etcd-1, address: "FD00:0000::0001"}\n  - {name: etcd-2, address: "fd00::2", dnsNames: [etcd-2.example]}\n  - {name: etcd-3, address: "fd00::3"}\nclients: [root, admin]\n`;
    const result = assembleSpec("cluster.yaml", text, profiles);
    assert.ok(result.ok, result.ok ? "" : result.diagnostics.map((d) => formatDiagnostic(result.source, d)).join("\n"));
    assert.deepEqual(result.spec.hosts.map((h) => h.address), ["fd00::1", "fd00::2", "fd00::3"]);
    assert.equal(result.spec.hosts[0]?.network?.gateway, "fe80::1");
    assert.deepEqual(result.spec.hosts[0]?.network?.dns, ["fd00::53", "127.0.0.53"]);
    assert.deepEqual(result.warnings, []);
  });
});

describe("metrics", () => {
  test("default: loopback on 2381; metrics.port frees 2381 for the client port", () => {
    const plain = assembleSpec("cluster.yaml", `${HEADER}hosts:\n${THREE}`, profiles);
    assert.ok(plain.ok);
    assert.deepEqual(plain.spec.metrics, { listen: "localhost", port: 2381 });
    const moved = assembleSpec("cluster.yaml", `${HEADER}etcd: {clientPort: 2381, peerPort: 2380}\nmetrics: {listen: host, port: 2390}\nhosts:\n${THREE}`, profiles);
    assert.ok(moved.ok, moved.ok ? "" : moved.diagnostics.map((d) => formatDiagnostic(moved.source, d)).join("\n"));
    assert.deepEqual(moved.spec.metrics, { listen: "host", port: 2390 });
  });
});

describe("IP addresses as bytes", () => {
  test("each spelling of an address has one canonical form (RFC 5952)", () => {
    const cases: [string, string][] = [
      ["fd00:0:0::1", "fd00::1"],
      ["FD00:0000:0000:0000:0000:0000:0000:0001", "fd00::1"],
      ["0:0:0:0:0:0:0:0", "::"],
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
      ["::ffff:10.0.0.1", "::ffff:a00:1"],
      ["1::", "1::"],
      ["192.168.2.51", "192.168.2.51"],
    ];
    for (const [written, canonical] of cases) assert.equal(canonicalIpAddress(written), canonical, written);
  });

  test("what is no address does not parse", () => {
    for (const text of ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "::1::", ":1", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8", "fe80::1%eth0", "g::1", "12345::", "::1.2.3", "1.2.3.4::"])
      assert.equal(parseIpAddress(text), undefined, text);
  });

  test("bytes round-trip through the canonical form", () => {
    for (const text of ["::1", "fe80::1:2", "10.255.0.1", "1:2:3:4:5:6:7:8", "1:0:0:2::3"]) {
      const parsed = parseIpAddress(text);
      assert.ok(parsed, text);
      assert.deepEqual(parseIpAddress(formatIpAddress(parsed)), parsed);
    }
  });
});

describe("etcd versions", () => {
  test("only canonical semver numbers parse", () => {
    assert.equal(parseEtcdVersion("3.6.14")?.text, "3.6.14");
    assert.equal(parseEtcdVersion("3.0.0")?.patch, 0);
    for (const text of ["03.6.14", "3.06.14", "3.6.014", "v3.6.14", "3.6", "3.6.14-rc.1", " 3.6.14", "3.6.99999999999"]) assert.equal(parseEtcdVersion(text), undefined, text);
  });
});
