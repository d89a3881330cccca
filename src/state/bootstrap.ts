// How each member joins: the member list it bootstraps from and whether the cluster is new.
// A member keeps the bootstrap it was first built with, so adding or removing another host
// leaves its artifacts byte-identical (etcd ignores initial-cluster once it has data). A new
// or renumbered host bootstraps from the members as they will be, joining an existing cluster.

import type { Host, Spec } from "../spec/types.js";
import type { BuildState, Bootstrap, BootstrapMember } from "./types.js";

function asMember(host: Host): BootstrapMember {
  return { name: host.name, address: host.address, dnsNames: host.dnsNames };
}

export function assembleBootstraps(spec: Spec, previous: BuildState | undefined): Map<string, Bootstrap> {
  const everyone = spec.hosts.map(asMember);
  const clusterExists = previous !== undefined && previous.members.length > 0;
  const bootstraps = new Map<string, Bootstrap>();
  for (const host of spec.hosts) {
    const before = previous?.members.find((m) => m.name === host.name);
    const unchanged = before !== undefined && before.address === host.address;
    bootstraps.set(host.name, unchanged ? before.bootstrap : { clusterState: clusterExists ? "existing" : "new", members: everyone });
  }
  return bootstraps;
}

/** The first build of a spec: every member bootstraps a new cluster from the full list. */
export function freshBootstraps(spec: Spec): Map<string, Bootstrap> {
  return assembleBootstraps(spec, undefined);
}
