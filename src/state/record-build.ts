// The state a build leaves behind, assembled from what it produced. Pure.

import { clientUrl, peerUrl } from "../etcd/config.js";
import type { OutputFile } from "../encoders/output-tree.js";
import { certificateSummary } from "../pki/certificates.js";
import type { HostPlan } from "../plan/types.js";
import { sha256Hex } from "../release/hash.js";
import type { ClusterPki } from "../pki/types.js";
import type { Spec } from "../spec/types.js";
import type { Bootstrap, BuildState, RetiredMember } from "./types.js";

export function certificateInfo(certPem: string): { serial: string; notAfter: string } {
  const certificate = certificateSummary(certPem);
  return { serial: certificate.serial, notAfter: certificate.notAfter.toISOString() };
}

/** Bundled binaries are one buffer shared by every host of an arch: hashed once, not per host. */
const binaryHashes = new WeakMap<Uint8Array, string>();

function contentHash(content: string | Uint8Array): string {
  if (typeof content === "string") return sha256Hex(content);
  let hash = binaryHashes.get(content);
  if (hash === undefined) binaryHashes.set(content, (hash = sha256Hex(content)));
  return hash;
}

/** Path on the host → SHA-256 of each planned file. */
export function plannedFileHashes(plan: HostPlan): Record<string, string> {
  return Object.fromEntries(plan.files.map((file) => [file.path, contentHash(file.content)]));
}

export function assembleState(
  spec: Spec,
  bootstraps: ReadonlyMap<string, Bootstrap>,
  pki: ClusterPki,
  files: OutputFile[],
  previous: BuildState | undefined,
  plans: HostPlan[],
): BuildState {
  const artifactsByHost = new Map<string, Record<string, string>>();
  for (const file of files) {
    const host = /^hosts\/([^/]+)\//.exec(file.path)?.[1];
    if (host === undefined) continue;
    const artifacts = artifactsByHost.get(host) ?? {};
    artifacts[file.path] = file.sha256;
    artifactsByHost.set(host, artifacts);
  }
  const members = spec.hosts.map((host) => {
    const bootstrap = bootstraps.get(host.name);
    const certPem = pki.hosts.get(host.name)?.certPem;
    if (!bootstrap || !certPem) throw new Error(`host ${host.name} has no bootstrap or certificate`);
    const artifacts = artifactsByHost.get(host.name) ?? {};
    const plan = plans.find((p) => p.host.name === host.name);
    return {
      name: host.name,
      address: host.address,
      dnsNames: host.dnsNames,
      peerUrl: peerUrl(spec, host),
      clientUrl: clientUrl(spec, host),
      bootstrap,
      certificate: certificateInfo(certPem),
      artifacts,
      ...(plan ? { files: plannedFileHashes(plan) } : {}),
    };
  });
  // Certificates no longer handed out: of removed hosts, and replaced ones (renumbered, renewed).
  const gone: RetiredMember[] = (previous?.members ?? [])
    .filter((m) => !members.some((now) => now.name === m.name && now.certificate.serial === m.certificate.serial))
    .map((m) => ({ name: m.name, address: m.address, certificate: m.certificate }));
  const retired = [...(previous?.retired ?? []), ...gone].filter(
    (r, i, all) => all.findIndex((o) => o.certificate.serial === r.certificate.serial) === i && !members.some((m) => m.certificate.serial === r.certificate.serial),
  );
  return { cluster: spec.cluster.name, members, retired, ...(previous?.clusterToken !== undefined ? { clusterToken: previous.clusterToken } : {}) };
}
