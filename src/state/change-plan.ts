// What a build will change, host by host, and what the running cluster needs for it: the
// difference between the state the last build left and the one this build would leave,
// compared file by file inside each host's artifacts. Pure.

import { MEMBER_CERT_COPY } from "../encoders/output-tree.js";
import { SYSTEMD_LAYOUT } from "../etcd/layout.js";
import type { PkiReport } from "../pki/types.js";
import { CHANGE_KINDS, KIND_WORDS, NETWORK_CONFIG_ARTIFACT, RESTARTS_ETCD, fileKind, runningMemberStep, type ChangeKind } from "./change-kinds.js";
import type { BuildState, MemberState } from "./types.js";
import { wrapText } from "../text-wrap.js";

export type HostChange = "new" | "changed" | "removed" | "unchanged";

export interface FileChange {
  /** Path on the host (or "network-config", cloud-init's file beside user-data). */
  path: string;
  change: "added" | "changed" | "removed";
  kind: ChangeKind;
}

export interface HostPlanLine {
  host: string;
  change: HostChange;
  /** Why it changed: "address 10.0.0.3 → 10.0.0.13", "names", "certificate (expires soon)", "installer only", … */
  reasons: string[];
  /** Output paths written anew (or deleted, for a removed host). */
  artifacts: string[];
  /** The kinds of change among its files (empty for new, removed and unchanged hosts). */
  kinds: ChangeKind[];
  /** Each file on the host that changes, with its kind; null when the last build's state predates per-file records. */
  files: FileChange[] | null;
  /** Whether etcd on the running member must restart (false for new and removed hosts). */
  restartEtcd: boolean;
  /** What to run against the cluster or do on the host, in order. */
  clusterSteps: string[];
}

export interface ChangePlan {
  cluster: string;
  hosts: HostPlanLine[];
}

function changedArtifacts(before: MemberState | undefined, after: MemberState): string[] {
  return Object.entries(after.artifacts)
    .filter(([path, hash]) => before?.artifacts[path] !== hash)
    .map(([path]) => path)
    .sort();
}

function networkConfigOf(member: MemberState): string | undefined {
  return member.artifacts[`hosts/${member.name}/${NETWORK_CONFIG_ARTIFACT}`];
}

/** The files that differ between two builds of a host; null when either state lacks per-file records. */
export function fileChanges(before: MemberState, after: MemberState): FileChange[] | null {
  if (!before.files || !after.files) return null;
  const changes: FileChange[] = [];
  const paths = [...new Set([...Object.keys(before.files), ...Object.keys(after.files)])].sort();
  for (const path of paths) {
    const was = before.files[path];
    const is = after.files[path];
    if (was === is) continue;
    changes.push({ path, change: was === undefined ? "added" : is === undefined ? "removed" : "changed", kind: fileKind(path) });
  }
  const [was, is] = [networkConfigOf(before), networkConfigOf(after)];
  if (was !== is) changes.push({ path: NETWORK_CONFIG_ARTIFACT, change: was === undefined ? "added" : is === undefined ? "removed" : "changed", kind: "network" });
  return changes;
}

function kindsOf(files: FileChange[]): ChangeKind[] {
  return CHANGE_KINDS.filter((kind) => files.some((f) => f.kind === kind));
}

/** Reasons from the kinds, unless a more precise one (certificate renewal) already names it. */
function kindReasons(kinds: ChangeKind[], reasons: string[]): string[] {
  if (kinds.length === 1 && kinds[0] === "installer") return ["installer only"];
  return kinds.filter((kind) => !(kind === "certificate" && reasons.some((r) => r.startsWith("certificate")))).map((kind) => KIND_WORDS[kind]);
}

function changedHost(member: MemberState, before: MemberState, artifacts: string[], pki: PkiReport | undefined, specFile: string): HostPlanLine {
  const reasons: string[] = [];
  const clusterSteps: string[] = [];
  const renumbered = before.address !== member.address;
  if (renumbered) {
    reasons.push(`address ${before.address} → ${member.address}`);
    clusterSteps.push(`etcdboot members update ${member.name} ${specFile}`, `stop ${member.name}, give it ${member.address}, install its new artifacts (keep its data dir), start it`);
  }
  if (before.dnsNames.join(",") !== member.dnsNames.join(",")) reasons.push("names");
  const reissue = pki?.issued.find((i) => i.kind === "host" && i.name === member.name);
  if (reissue) reasons.push(`certificate (${reissue.reason})`);
  const files = fileChanges(before, member);
  const kinds = files ? kindsOf(files) : [];
  reasons.push(...kindReasons(kinds, reasons));
  if (!files && reasons.length === 0 && artifacts.length > 0) reasons.push("configuration");
  if (!renumbered && files) {
    const keyChanged = files.some((f) => f.path === SYSTEMD_LAYOUT.memberKey);
    // A new CA carries new certificates with it: its one step covers them.
    const steps = kinds.filter((kind) => !(kind === "certificate" && kinds.includes("ca")));
    clusterSteps.push(...steps.map((kind) => runningMemberStep(kind, member.name, `hosts/${member.name}/${MEMBER_CERT_COPY}`, keyChanged)));
  } else if (!renumbered && artifacts.length > 0) {
    clusterSteps.push(`install ${member.name}'s new artifacts on it and restart etcd there (the last build's state does not say which files inside them changed)`);
  }
  const restartEtcd = renumbered || (files ? kinds.some((kind) => RESTARTS_ETCD[kind]) : artifacts.length > 0);
  const change = reasons.length > 0 || artifacts.length > 0 ? "changed" : "unchanged";
  return { host: member.name, change, reasons, artifacts, kinds, files: files ?? null, restartEtcd: change === "changed" && restartEtcd, clusterSteps };
}

export function assembleChangePlan(previous: BuildState | undefined, next: BuildState, pki: PkiReport | undefined, specFile: string): ChangePlan {
  // A state without one is from before hosts had a CRL: their configuration changes too, which a copy does not cover.
  const crlChanged = previous?.revocationListSha256 !== undefined && previous.revocationListSha256 !== next.revocationListSha256;
  const hosts: HostPlanLine[] = next.members.map((member) => {
    const before = previous?.members.find((m) => m.name === member.name);
    const artifacts = changedArtifacts(before, member);
    if (before) return changedHost(member, before, artifacts, pki, specFile);
    const clusterSteps = previous
      ? [`etcdboot members add ${member.name} ${specFile}`, `boot ${member.name} with its new artifacts`, `etcdboot members promote ${member.name} ${specFile}`]
      : [`boot ${member.name}: it forms the new cluster with the others`];
    return { host: member.name, change: "new", reasons: [], artifacts, kinds: [], files: null, restartEtcd: false, clusterSteps };
  });
  for (const gone of previous?.members ?? []) {
    if (next.members.some((m) => m.name === gone.name)) continue;
    hosts.push({
      host: gone.name,
      change: "removed",
      reasons: [],
      artifacts: Object.keys(gone.artifacts).sort(),
      kinds: [],
      files: null,
      restartEtcd: false,
      clusterSteps: [`etcdboot members remove ${gone.name} ${specFile}`, `shut ${gone.name} down`],
    });
  }
  return { cluster: next.cluster, hosts };
}

/** Whether building would change anything (plan --exit-code). */
export function planChangesAnything(plan: ChangePlan): boolean {
  return plan.hosts.some((h) => h.change !== "unchanged");
}

const INDENT = " ".repeat(14);
/** The plan is read in terminals: long reasons and steps fold under their start. */
const WIDTH = 80;

export function formatChangePlan(plan: ChangePlan): string {
  const lines = [`Cluster ${plan.cluster}:`];
  for (const h of plan.hosts) {
    lines.push(...wrapText(`${h.host}${h.reasons.length > 0 ? ` (${h.reasons.join(", ")})` : ""}`, WIDTH, `  ${h.change.padEnd(9)} `, INDENT));
    if (h.change !== "unchanged") for (const path of h.artifacts) lines.push(`${INDENT}${h.change === "removed" ? "delete " : "write  "} ${path}`);
    for (const file of h.files ?? []) lines.push(`${INDENT}${file.change.padEnd(8)} ${file.path} (${KIND_WORDS[file.kind]})`);
    for (const step of h.clusterSteps) lines.push(...wrapText(step, WIDTH, `${INDENT}then: `, `${INDENT}      `));
  }
  return lines.join("\n");
}
