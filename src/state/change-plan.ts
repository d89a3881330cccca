// What a build will change, host by host, and what the running cluster needs for it: the
// difference between the state the last build left and the one this build would leave. Pure.

import { MEMBER_CERT_COPY } from "../encoders/output-tree.js";
import { SEED_IMAGE } from "../encoders/seed-image.js";
import type { PkiReport } from "../pki/types.js";
import type { BuildState, MemberState } from "./types.js";

export type HostChange = "new" | "changed" | "removed" | "unchanged";

export interface HostPlanLine {
  host: string;
  change: HostChange;
  /** Why it changed: "address 10.0.0.3 → 10.0.0.13", "names", "certificate (expires soon)", "artifacts". */
  reasons: string[];
  /** Output paths written anew (or deleted, for a removed host). */
  artifacts: string[];
  /** What to run against the cluster, in order. */
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

export function assembleChangePlan(previous: BuildState | undefined, next: BuildState, pki: PkiReport | undefined, specFile: string): ChangePlan {
  const hosts: HostPlanLine[] = next.members.map((member) => {
    const before = previous?.members.find((m) => m.name === member.name);
    const artifacts = changedArtifacts(before, member);
    if (!before) {
      const clusterSteps = previous
        ? [`etcdboot members add ${member.name} ${specFile}`, `boot ${member.name} with its new artifacts`, `etcdboot members promote ${member.name} ${specFile}`]
        : [`boot ${member.name}: it forms the new cluster with the others`];
      return { host: member.name, change: "new", reasons: [], artifacts, clusterSteps };
    }
    const reasons: string[] = [];
    const clusterSteps: string[] = [];
    if (before.address !== member.address) {
      reasons.push(`address ${before.address} → ${member.address}`);
      clusterSteps.push(`etcdboot members update ${member.name} ${specFile}`, `stop ${member.name}, give it ${member.address}, install its new artifacts (keep its data dir), start it`);
    }
    if (before.dnsNames.join(",") !== member.dnsNames.join(",")) reasons.push("names");
    const reissue = pki?.issued.find((i) => i.kind === "host" && i.name === member.name);
    if (reissue) reasons.push(`certificate (${reissue.reason})`);
    if (reasons.length === 0 && artifacts.length > 0) reasons.push("configuration");
    const onlyCertificate = artifacts.every((path) => path.endsWith(`/${MEMBER_CERT_COPY}`) || path.endsWith("/user-data") || path.endsWith("/meta-data") || path.endsWith(`/${SEED_IMAGE}`) || path.endsWith(".apkovl.tar.gz")) && reasons.every((r) => r.startsWith("certificate"));
    if (before.address === member.address && reissue && onlyCertificate)
      clusterSteps.push(`copy hosts/${member.name}/${MEMBER_CERT_COPY} to /etc/etcd/pki/member.crt on ${member.name} (etcd reads certificates again for new connections: no restart)`);
    else if (before.address === member.address && artifacts.length > 0)
      clusterSteps.push(`install ${member.name}'s new artifacts on it and restart etcd there (its configuration changed)`);
    return { host: member.name, change: reasons.length > 0 || artifacts.length > 0 ? "changed" : "unchanged", reasons, artifacts, clusterSteps };
  });
  for (const gone of previous?.members ?? []) {
    if (next.members.some((m) => m.name === gone.name)) continue;
    hosts.push({
      host: gone.name,
      change: "removed",
      reasons: [],
      artifacts: Object.keys(gone.artifacts).sort(),
      clusterSteps: [`etcdboot members remove ${gone.name} ${specFile}`, `shut ${gone.name} down`],
    });
  }
  return { cluster: next.cluster, hosts };
}

export function formatChangePlan(plan: ChangePlan): string {
  const lines = [`Cluster ${plan.cluster}:`];
  for (const h of plan.hosts) {
    lines.push(`  ${h.change.padEnd(9)} ${h.host}${h.reasons.length > 0 ? ` (${h.reasons.join(", ")})` : ""}`);
    if (h.change !== "unchanged") for (const path of h.artifacts) lines.push(`              ${h.change === "removed" ? "delete " : "write  "} ${path}`);
    for (const step of h.clusterSteps) lines.push(`              then: ${step}`);
  }
  return lines.join("\n");
}
