// The cluster every certificate and build benchmark makes: N Debian hosts with static addresses,
// each with one extra DNS name, plus the admin client; the same names for etcdboot, cfssl and openssl.

import type { KeyAlgorithm } from "../../src/pki/types.js";

export const CLUSTER = "bench";
export const SUBJECT = { C: "CN", O: "etcd" } as const;

export interface BenchHost {
  name: string;
  address: string;
  dnsName: string;
}

export function benchHosts(count: number): BenchHost[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `etcd-${i + 1}`,
    address: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    dnsName: `etcd-${i + 1}.${CLUSTER}.internal`,
  }));
}

/** The host whose address the "one host changed" build moves (to a block no other host uses). */
export function movedHost(hosts: BenchHost[]): BenchHost {
  const host = hosts[Math.floor(hosts.length / 2)];
  if (host === undefined) throw new Error("no hosts");
  return { ...host, address: `10.0.200.${Math.floor(hosts.length / 2) % 250 + 1}` };
}

export function benchSpec(hosts: BenchHost[], algorithm: KeyAlgorithm): string {
  const lines = [
    "apiVersion: etcdboot/v1alpha1",
    `cluster: {name: ${CLUSTER}}`,
    `tls: {algorithm: ${algorithm}, subject: {C: ${SUBJECT.C}, O: ${SUBJECT.O}}}`,
    "defaults: {network: {prefix: 16, gateway: 10.0.255.1, dns: [10.0.255.1]}}",
    "hosts:",
    ...hosts.map((h) => `  - {name: ${h.name}, address: ${h.address}, dnsNames: [${h.dnsName}]}`),
  ];
  return `${lines.join("\n")}\n`;
}
