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
  const clusterExists = previous !== undefined && previous.members.length > 0;
  // One object shared by every host that joins now: state.json stores each bootstrap once.
  const joiningNow: Bootstrap = { clusterState: clusterExists ? "existing" : "new", members: spec.hosts.map(asMember) };
  const before = new Map(previous?.members.map((m) => [m.name, m]));
  const bootstraps = new Map<string, Bootstrap>();
  for (const host of spec.hosts) {
    const was = before.get(host.name);
    bootstraps.set(host.name, was !== undefined && was.address === host.address ? was.bootstrap : joiningNow);
  }
  return bootstraps;
}

/** The first build of a spec: every member bootstraps a new cluster from the full list. */
export function freshBootstraps(spec: Spec): Map<string, Bootstrap> {
  return assembleBootstraps(spec, undefined);
}

/** A spec whose cluster was restored into a new logical cluster: its token is the restore's. */
export function withRestoredToken(spec: Spec, state: BuildState | undefined): Spec {
  const token = state?.clusterToken;
  return token === undefined || token === spec.cluster.token ? spec : { ...spec, cluster: { ...spec.cluster, token } };
}

/**
 * The state after `etcdboot restore`: every member of the spec bootstraps the new cluster from
 * the snapshot (state new, all members), under the new token; a host added later joins it.
 */
export function restoredState(state: BuildState, spec: Spec, token: string): BuildState {
  const fresh = freshBootstraps(spec);
  const members = state.members.map((m) => ({ ...m, bootstrap: fresh.get(m.name) ?? m.bootstrap }));
  return { ...state, members, clusterToken: token };
}
