// What a build will change, host by host, and what the running cluster needs for it: the
// difference between the state the last build left and the one this build would leave. Pure.

import { CRL_COPY, MEMBER_CERT_COPY } from "../encoders/output-tree.js";
import { SYSTEMD_LAYOUT } from "../etcd/layout.js";
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

/** Changed files a running member can take by copying: its certificate, and the artifacts that carry it. */
const copyable = (path: string) => path.endsWith(`/${MEMBER_CERT_COPY}`) || path.endsWith("/user-data") || path.endsWith("/meta-data") || path.endsWith(".apkovl.tar.gz");

/** The CRL (the same on every host) changed: every running member gets the new one. */
export const CRL_REASON = "revocation list";

export function assembleChangePlan(previous: BuildState | undefined, next: BuildState, pki: PkiReport | undefined, specFile: string): ChangePlan {
  // A state without one is from before hosts had a CRL: their configuration changes too, which a copy does not cover.
  const crlChanged = previous?.revocationListSha256 !== undefined && previous.revocationListSha256 !== next.revocationListSha256;
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
    if (crlChanged && before.address === member.address) reasons.push(CRL_REASON);
    if (reasons.length === 0 && artifacts.length > 0) reasons.push("configuration");
    const onlyCopies = artifacts.every(copyable) && reasons.every((r) => r.startsWith("certificate") || r === CRL_REASON);
    if (before.address === member.address && (reissue || crlChanged) && onlyCopies) {
      if (reissue)
        clusterSteps.push(`copy hosts/${member.name}/${MEMBER_CERT_COPY} to ${SYSTEMD_LAYOUT.memberCert} on ${member.name} (etcd reads certificates again for new connections: no restart)`);
      // Read by etcd on every new connection (client and peer): revoked certificates are refused from then on.
      if (crlChanged) clusterSteps.push(`copy ${CRL_COPY.der} to ${SYSTEMD_LAYOUT.crl} on ${member.name} (etcd reads it for every new connection: no restart)`);
    } else if (before.address === member.address && artifacts.length > 0)
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
