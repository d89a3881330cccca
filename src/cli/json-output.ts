// The --json shapes of every command that reports, in one place (documented in the README,
// "Machine-readable output"). Each carries "kind" (the command) and "version": a shape only
// ever gains keys within a version; renaming or removing one makes the next version.

import type { SnapshotFacts } from "../backup/snapshot-facts.js";
import type { RestorePlan } from "../backup/restore-plan.js";
import type { LockedRelease } from "../lock/lock-file.js";
import type { BuildSummary } from "../ops/up-to-date.js";
import type { PkiReport } from "../pki/types.js";
import type { DiagnosticRecord } from "../spec/diagnostics.js";
import type { ChangePlan } from "../state/change-plan.js";

export const JSON_SHAPE_VERSION = 1;

/** EC2 refuses user-data over 16 KiB (other clouds allow more): worth a warning, not an error. */
export const EC2_USER_DATA_LIMIT = 16 * 1024;

function shape<K extends string, T extends object>(kind: K, body: T) {
  return { kind, version: JSON_SHAPE_VERSION, ...body };
}

export function renderJson(value: object): string {
  return JSON.stringify(value, null, 2);
}

export function buildJson(specFile: string, summary: BuildSummary, pki: PkiReport | undefined, changed: boolean) {
  return shape("build", {
    spec: specFile,
    outputDir: summary.outputDir,
    pkiDir: summary.pkiDir,
    /** False when nothing in the output folder changed (also when the build stamp said so). */
    changed,
    caCreated: pki?.caCreated ?? false,
    issued: (pki?.issued ?? []).map(({ kind, name, reason }) => ({ kind, name, reason })),
    notes: pki?.notes ?? [],
    warnings: summary.warnings,
    artifacts: summary.hostArtifacts.map(({ host, file, bytes }) => ({ host, file, bytes, overEc2UserDataLimit: file === "user-data" && bytes > EC2_USER_DATA_LIMIT })),
  });
}

export function checkJson(specFile: string, valid: boolean, hosts: number | null, diagnostics: DiagnosticRecord[]) {
  return shape("check", { spec: specFile, valid, hosts, diagnostics });
}

export function pinJson(lockFile: string, changed: boolean, releases: LockedRelease[], verified: string[]) {
  return shape("pin", {
    lockFile,
    changed,
    releases: releases.map((release, i) => ({ version: release.version, arch: release.arch, url: release.url, sha256: release.sha256, verified: verified[i] ?? "" })),
  });
}

/** One membership change: which, on which host and member, and what the user does next. */
export interface MemberChange {
  action: "add" | "promote" | "remove" | "update";
  host: string;
  /** Hex, as etcdctl prints it; null where the step does not report it (promote). */
  memberId: string | null;
  /** The member's peer URLs before and after the step (add: none before; remove: none after). */
  peerUrlsBefore: string[];
  peerUrlsAfter: string[];
  next: string;
}

export function membersJson(change: MemberChange) {
  return shape("members", change);
}

export function snapshotJson(file: string, factsFile: string, facts: SnapshotFacts) {
  return shape("snapshot", { file, factsFile, ...facts });
}

export function restoreJson(snapshotFile: string, sha256: string, outputDir: string, plan: RestorePlan) {
  return shape("restore", {
    snapshot: snapshotFile,
    sha256,
    token: plan.token,
    outputDir,
    bundles: plan.bundles.map(({ host, folder }) => ({ host, folder })),
    steps: plan.steps,
  });
}

export function planJson(plan: ChangePlan) {
  return shape("plan", { changes: plan.hosts.some((h) => h.change !== "unchanged"), ...plan });
}
