// Everything etcdboot writes for one cluster, as relative path → bytes: per-host cloud-init
// files (and their NoCloud seed image), the CA certificate, an etcdctl environment file, and a manifest with a SHA-256 per
// file. Pure. No private key goes in here but each host's own, inside that host's user-data or
// overlay, which is then marked secret.

import { join } from "node:path";
import { clientUrl } from "../etcd/config.js";
import { SYSTEMD_LAYOUT } from "../etcd/layout.js";
import type { HostPlan } from "../plan/types.js";
import { sha256Hex } from "../release/hash.js";
import { pkiPaths } from "../pki/types.js";
import type { Spec } from "../spec/types.js";
import { envExport } from "../escape/env-file.js";
import { commentLine } from "../escape/token.js";
import { encodeCloudInit } from "./cloud-init.js";
import { encodeSeedImage, SEED_IMAGE } from "./seed-image.js";

export interface OutputFile {
  path: string;
  content: string | Uint8Array;
  /** Carries a private key or password: written 0600, in a folder written 0700. */
  secret: boolean;
  /** Of the content, taken once here for the manifest and the build state alike. */
  sha256: string;
}

function outputFile(path: string, content: string | Uint8Array, secret: boolean): OutputFile {
  return { path, content, secret, sha256: sha256Hex(content) };
}

export const MANIFEST = "manifest.json";

function etcdctlEnvironment(spec: Spec, pkiDir: string): string {
  const client = spec.clients.includes("admin") ? "admin" : spec.clients[0];
  // Sourced by sh: every value quoted, so a PKI path with spaces or $(...) stays a path.
  const lines = [
    commentLine(`Talk to cluster ${spec.cluster.name} with etcdctl: . ./etcdctl.env && etcdctl member list -w table`),
    envExport("ETCDCTL_API", "3"),
    envExport("ETCDCTL_ENDPOINTS", spec.hosts.map((host) => clientUrl(spec, host)).join(",")),
    envExport("ETCDCTL_CACERT", join(pkiDir, pkiPaths.caCert)),
  ];
  if (client) lines.push(envExport("ETCDCTL_CERT", join(pkiDir, pkiPaths.clientCert(client))), envExport("ETCDCTL_KEY", join(pkiDir, pkiPaths.clientKey(client))));
  return `${lines.join("\n")}\n`;
}

/** The host's certificate on its own (public), to copy to an already-booted host after a renewal. */
export const MEMBER_CERT_COPY = "member.crt";

/** The cloud-init file that holds the planned files (write_files); meta-data and network-config hold none. */
const CLOUD_INIT_CARRIER = "user-data";

export interface OutputTreeOptions {
  /** Add hosts/<host>/seed.iso (NoCloud) beside each host's cloud-init files. */
  seedImage: boolean;
}

async function encodeHost(spec: Spec, plan: HostPlan, options: OutputTreeOptions): Promise<OutputFile[]> {
  const folder = `hosts/${plan.host.name}`;
  const secret = plan.files.some((f) => f.secret === true);
  const certificate = plan.files.find((f) => f.path === SYSTEMD_LAYOUT.memberCert);
  const renewal = certificate ? [outputFile(`${folder}/${MEMBER_CERT_COPY}`, certificate.content, false)] : [];
  if (plan.host.target.format === "apkovl") {
    const { apkovlName, encodeApkovl } = await import("./apkovl.js"); // with the tar library: only Alpine builds load it
    return [outputFile(`${folder}/${apkovlName(plan)}`, await encodeApkovl(plan), secret), ...renewal];
  }
  const files = encodeCloudInit(spec, plan);
  const cloudInit = Object.entries(files).map(([name, content]) => outputFile(`${folder}/${name}`, content, secret && name === CLOUD_INIT_CARRIER));
  // The seed holds user-data, so the host key too: secret like it.
  const seed = options.seedImage ? [outputFile(`${folder}/${SEED_IMAGE}`, encodeSeedImage(files, secret ? CLOUD_INIT_CARRIER : undefined), secret)] : [];
  return [...cloudInit, ...seed, ...renewal];
}

export async function encodeOutputTree(spec: Spec, plans: HostPlan[], caCertPem: string, pkiDir: string, options: OutputTreeOptions = { seedImage: true }): Promise<OutputFile[]> {
  const files: OutputFile[] = [
    outputFile("ca.crt", caCertPem, false),
    outputFile("etcdctl.env", etcdctlEnvironment(spec, pkiDir), false),
  ];
  for (const hostFiles of await Promise.all(plans.map((plan) => encodeHost(spec, plan, options)))) files.push(...hostFiles);
  files.sort((a, b) => a.path.localeCompare(b.path));
  const manifest = {
    cluster: spec.cluster.name,
    etcdVersion: spec.etcd.version.text,
    files: files.map((f) => ({ path: f.path, bytes: Buffer.byteLength(f.content), sha256: f.sha256 })),
  };
  return [...files, outputFile(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`, false)];
}
