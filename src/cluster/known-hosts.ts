// Which etcd member is which host. A started member registers its name, but one added and not
// started yet has an empty name in etcd's member list: only its peer URL tells whose it is.

import type { Member } from "./client.js";

/** A host as etcdboot knows it: its name and every peer URL it may be registered under. */
export interface KnownHost {
  name: string;
  /** The spec's, and the one last built when the host was renumbered since. */
  peerUrls: string[];
}

/** The member that is host: by name once it has started, by peer URL before. */
export function memberOfHost(members: readonly Member[], host: KnownHost): Member | undefined {
  return members.find((m) => m.name === host.name) ?? members.find((m) => m.name === "" && m.peerURLs.some((url) => host.peerUrls.includes(url)));
}

/** The host's name for a member: etcd's name, or the known host whose peer URL it has. */
export function hostOfMember(member: Member, hosts: readonly KnownHost[]): string | undefined {
  if (member.name !== "") return member.name;
  return hosts.find((h) => h.peerUrls.some((url) => member.peerURLs.includes(url)))?.name;
}
