// What `etcdboot restore` writes and tells: per host, a restore bundle (its restore.sh and the
// snapshot) for the new logical cluster, and the steps in order. Pure: the token's time and the
// snapshot's facts come in as parameters.

import { peerUrl } from "../etcd/config.js";
import { OPENRC_LAYOUT, SYSTEMD_LAYOUT } from "../etcd/layout.js";
import type { Host, Spec } from "../spec/types.js";
import { OPENRC_SERVICE_CONTROL, renderRestoreScript, SYSTEMD_SERVICE_CONTROL } from "./restore-script.js";

export const RESTORE_FOLDER = "restore";
export const RESTORE_SCRIPT = "restore.sh";
export const RESTORE_SNAPSHOT = "snapshot.db";

export interface RestoreSnapshot {
  /** As the user named it, for messages. */
  file: string;
  sha256: string;
  skipHashCheck: boolean;
}

export interface RestoreBundle {
  host: string;
  /** Relative to the cluster's output folder: hosts/<host>/restore */
  folder: string;
  script: string;
}

export interface RestorePlan {
  token: string;
  bundles: RestoreBundle[];
  steps: string[];
}

/** A token no earlier incarnation of the cluster had: the member and cluster IDs derive from it. */
export function restoreToken(cluster: string, now: Date): string {
  return `${cluster}-restore-${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
}

function bundleScript(spec: Spec, host: Host, token: string, snapshot: RestoreSnapshot): string {
  const alpine = host.target.format === "apkovl";
  const keepsDataOnPartition = alpine && host.storage !== undefined && "device" in host.storage;
  return renderRestoreScript({
    cluster: spec.cluster.name,
    version: spec.etcd.version,
    member: host.name,
    peerUrl: peerUrl(spec, host),
    initialCluster: spec.hosts.map((h) => `${h.name}=${peerUrl(spec, h)}`).join(","),
    token,
    snapshotSha256: snapshot.sha256,
    skipHashCheck: snapshot.skipHashCheck,
    layout: alpine ? OPENRC_LAYOUT : SYSTEMD_LAYOUT,
    service: alpine ? OPENRC_SERVICE_CONTROL : SYSTEMD_SERVICE_CONTROL,
    ...(keepsDataOnPartition ? { requiredMount: OPENRC_LAYOUT.dataMount } : {}),
  });
}

export function planRestore(spec: Spec, token: string, snapshot: RestoreSnapshot, outputDir: string, specFile: string): RestorePlan {
  const bundles = spec.hosts.map((host) => ({ host: host.name, folder: `hosts/${host.name}/${RESTORE_FOLDER}`, script: bundleScript(spec, host, token, snapshot) }));
  const steps = [
    ...bundles.map(
      (b) => `copy ${outputDir}/${b.folder}/ to ${b.host} and run there, as root: sh ${RESTORE_FOLDER}/${RESTORE_SCRIPT} (stops etcd, keeps the old data aside, restores, starts etcd)`,
    ),
    `etcdboot status ${specFile}: every member healthy, under a new cluster ID`,
    `etcdboot build ${specFile}: the artifacts then carry the new token (token ${token}), so a re-provisioned host joins the restored cluster`,
  ];
  return { token, bundles, steps };
}
