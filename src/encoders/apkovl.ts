// HostPlan → <host>.apkovl.tar.gz, the overlay Alpine's initramfs untars onto its RAM root.
// Owners are numeric: the etcd user does not exist when the overlay is unpacked, and is
// created at start with the same ids (see src/etcd/openrc-script.ts).

import { dirname } from "node:path/posix";
import { ETCD_GID, ETCD_GROUP, ETCD_UID, ETCD_USER } from "../etcd/layout.js";
import type { HostPlan } from "../plan/types.js";
import { createTarGz, type ArchiveEntry } from "./tar-gz.js";

const USER_IDS: Record<string, number> = { root: 0, [ETCD_USER]: ETCD_UID };
const GROUP_IDS: Record<string, number> = { root: 0, [ETCD_GROUP]: ETCD_GID };

function numericOwner(owner: string, group: string): { uid: number; gid: number } {
  const uid = USER_IDS[owner];
  const gid = GROUP_IDS[group];
  if (uid === undefined || gid === undefined) throw new Error(`no numeric id for ${owner}:${group} in an overlay`);
  return { uid, gid };
}

const relative = (path: string) => path.replace(/^\/+/, "");

/** Every parent folder of every entry, so the archive states each folder's mode and owner. */
function impliedDirectories(paths: string[], explicit: Set<string>): ArchiveEntry[] {
  const parents = new Set<string>();
  for (const path of paths)
    for (let dir = dirname(path); dir !== "/" && dir !== "."; dir = dirname(dir)) if (!explicit.has(dir)) parents.add(dir);
  return [...parents].map((dir) => ({ type: "directory", path: relative(dir), mode: 0o755, uid: 0, gid: 0 }));
}

export function apkovlName(plan: HostPlan): string {
  return apkovlFileName(plan.host.name);
}

/** The initramfs takes any *.apkovl.tar.gz at the boot media's top; the host's name says whose it is. */
export function apkovlFileName(hostName: string): string {
  return `${hostName}.apkovl.tar.gz`;
}

export function encodeApkovl(plan: HostPlan): Promise<Buffer> {
  const explicit = new Set(plan.directories.map((d) => d.path));
  const entries: ArchiveEntry[] = [
    ...plan.directories.map((d): ArchiveEntry => ({ type: "directory", path: relative(d.path), mode: d.mode, ...numericOwner(d.owner, d.group) })),
    ...impliedDirectories([...plan.files, ...plan.links, ...plan.directories].map((e) => e.path), explicit),
    ...plan.files.map((f): ArchiveEntry => ({ type: "file", path: relative(f.path), mode: f.mode, content: f.content, ...numericOwner(f.owner, f.group) })),
    ...plan.links.map((l): ArchiveEntry => ({ type: "symlink", path: relative(l.path), target: l.target, uid: 0, gid: 0 })),
  ];
  return createTarGz(entries);
}
