// The state a build leaves behind, assembled from what it produced. Pure.

import { clientUrl, peerUrl } from "../etcd/config.js";
import type { OutputFile } from "../encoders/output-tree.js";
import { certificateSummary } from "../pki/certificates.js";
import type { HostPlan } from "../plan/types.js";
import type { IssuedPki } from "../pki/types.js";
import { sha256Hex } from "../release/hash.js";
import type { Spec } from "../spec/types.js";
import type { Bootstrap, BuildState, CertificateRecord, RetiredCertificate } from "./types.js";

export function certificateInfo(certPem: string): CertificateRecord {
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

/** The serial and end of every certificate the build hands out, read once. */
export interface HandedOut {
  hosts: ReadonlyMap<string, CertificateRecord>;
  clients: ReadonlyMap<string, CertificateRecord>;
}

export function handedOut(pki: IssuedPki): HandedOut {
  const infos = (leaves: IssuedPki["hosts"]) => new Map([...leaves].map(([name, files]) => [name, certificateInfo(files.certPem)]));
  return { hosts: infos(pki.hosts), clients: infos(pki.clients) };
}

/**
 * Every certificate no longer handed out: those retired before, and those the last build handed
 * out that this one does not — of removed hosts and clients, and replaced ones (renumbered,
 * renewed, re-issued under a new CA). A certificate handed out again is not retired.
 */
export function retiredCertificates(previous: BuildState | undefined, now: HandedOut): RetiredCertificate[] {
  const inUse = new Set([...now.hosts.values(), ...now.clients.values()].map((c) => c.serial));
  const before: RetiredCertificate[] = [
    ...(previous?.retired ?? []),
    ...(previous?.members ?? []).map((m) => ({ name: m.name, address: m.address, certificate: m.certificate })),
    ...(previous?.clients ?? []).map((c) => ({ name: c.name, kind: "client" as const, certificate: c.certificate })),
  ];
  const seen = new Set<string>();
  return before.filter((r) => {
    if (inUse.has(r.certificate.serial) || seen.has(r.certificate.serial)) return false;
    seen.add(r.certificate.serial);
    return true;
  });
}

export interface BuildRecord {
  bootstraps: ReadonlyMap<string, Bootstrap>;
  certificates: HandedOut;
  retired: RetiredCertificate[];
  files: OutputFile[];
  /** Every host's plan: its files' hashes let plan name what changed inside the artifacts. */
  plans: HostPlan[];
  /** Of the CRL's DER, as hosts get it. */
  revocationListSha256: string;
}

export function assembleState(spec: Spec, record: BuildRecord, previous: BuildState | undefined): BuildState {
  const artifactsByHost = new Map<string, Record<string, string>>();
  for (const file of record.files) {
    const host = /^hosts\/([^/]+)\//.exec(file.path)?.[1];
    if (host === undefined) continue;
    const artifacts = artifactsByHost.get(host) ?? {};
    artifacts[file.path] = file.sha256;
    artifactsByHost.set(host, artifacts);
  }
  const plansByHost = new Map(record.plans.map((p) => [p.host.name, p]));
  const members = spec.hosts.map((host) => {
    const bootstrap = record.bootstraps.get(host.name);
    const certificate = record.certificates.hosts.get(host.name);
    if (!bootstrap || !certificate) throw new Error(`host ${host.name} has no bootstrap or certificate`);
    const artifacts = artifactsByHost.get(host.name) ?? {};
    const plan = plansByHost.get(host.name);
    return {
      name: host.name,
      address: host.address,
      dnsNames: host.dnsNames,
      peerUrl: peerUrl(spec, host),
      clientUrl: clientUrl(spec, host),
      bootstrap,
      certificate,
      artifacts,
      ...(plan ? { files: plannedFileHashes(plan) } : {}),
    };
  });
  const clients = [...record.certificates.clients].map(([name, certificate]) => ({ name, certificate }));
  return {
    cluster: spec.cluster.name,
    members,
    clients,
    retired: record.retired,
    revocationListSha256: record.revocationListSha256,
    ...(previous?.clusterToken !== undefined ? { clusterToken: previous.clusterToken } : {}),
  };
}
