// What is known about a saved snapshot: its default file name and the JSON written beside it.
// Pure: the time comes in as a parameter.

import { hexMemberId } from "../cluster/client.js";

export interface SnapshotFacts {
  cluster: string;
  /** The host the snapshot came from, and its client URL. */
  member: string;
  endpoint: string;
  etcdVersion: string;
  /** Hex, as etcdctl prints it. */
  clusterId: string;
  revision: number;
  size: number;
  sha256: string;
  takenAt: string;
}

/** 2026-12-03T10:15:42Z → 20261203T1015Z */
function compactMinute(time: Date): string {
  return time.toISOString().replace(/[-:]/g, "").replace(/\d\d\.\d+Z$/, "Z");
}

/** lab-20261203T1015Z-r12345.db */
export function defaultSnapshotName(cluster: string, takenAt: Date, revision: number): string {
  return `${cluster}-${compactMinute(takenAt)}-r${revision}.db`;
}

/** The JSON beside a snapshot: FILE.json. */
export function factsPath(snapshotPath: string): string {
  return `${snapshotPath}.json`;
}

export function renderFacts(facts: SnapshotFacts): string {
  return `${JSON.stringify(facts, null, 2)}\n`;
}

export function clusterIdHex(decimal: string): string {
  return decimal === "" ? "" : hexMemberId(decimal);
}
