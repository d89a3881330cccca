// Everything etcdboot writes for one cluster, as relative path → bytes: per-host cloud-init
// files (and their NoCloud seed image), the CA certificate, an etcdctl environment file, the
// client bundles, and a manifest with a SHA-256 per file. Pure. No private key goes in here but
// each host's own, inside that host's user-data, seed image or overlay, and the key of each client
// with a purpose, in its bundle: all marked secret.

import { join } from "node:path";
import { assembleClientBundles } from "../clients/bundle.js";
import { etcdctlClient } from "../clients/etcdctl-client.js";
import { clientUrl } from "../etcd/config.js";
import { SYSTEMD_LAYOUT } from "../etcd/layout.js";
import type { HostPlan } from "../plan/types.js";
import { sha256Hex } from "../release/hash.js";
import { pkiPaths, type ClusterPki } from "../pki/types.js";
import type { Spec } from "../spec/types.js";
import { envExport } from "../escape/env-file.js";
import { powershellEnvAssignment } from "../escape/powershell.js";
import { prometheusFiles } from "../monitoring/prometheus-folder.js";
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

/** What etcdctl needs to talk to the cluster as admin (or the first client): name → value. */
function etcdctlVariables(spec: Spec, pkiDir: string): Array<[string, string]> {
  const client = etcdctlClient(spec.clients);
  const variables: Array<[string, string]> = [
    ["ETCDCTL_API", "3"],
    ["ETCDCTL_ENDPOINTS", spec.hosts.map((host) => clientUrl(spec, host)).join(",")],
    ["ETCDCTL_CACERT", join(pkiDir, pkiPaths.caCert)],
  ];
  if (client) variables.push(["ETCDCTL_CERT", join(pkiDir, pkiPaths.clientCert(client))], ["ETCDCTL_KEY", join(pkiDir, pkiPaths.clientKey(client))]);
  return variables;
}

/**
 * etcdctl's settings as a file to source, one assignment per variable in the destination's own
 * quoting: sh (every value quoted, so a PKI path with spaces or $(...) stays a path) or
 * PowerShell (verbatim strings).
 */
function etcdctlEnvironment(spec: Spec, pkiDir: string, usage: string, assign: (name: string, value: string) => string): string {
  const comment = commentLine(`Talk to cluster ${spec.cluster.name} with etcdctl: ${usage}`);
  return `${[comment, ...etcdctlVariables(spec, pkiDir).map(([name, value]) => assign(name, value))].join("\n")}\n`;
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

/** The CA's CRL: DER as hosts read it (copy it to running members), PEM for openssl and people. */
export const CRL_COPY = { der: "crl.der", pem: "crl.pem" } as const;

export async function encodeOutputTree(spec: Spec, plans: HostPlan[], pki: Pick<ClusterPki, "caCertPem" | "revocationList" | "clients">, pkiDir: string, options: OutputTreeOptions = { seedImage: true }): Promise<OutputFile[]> {
  const files: OutputFile[] = [
    outputFile("ca.crt", pki.caCertPem, false),
    outputFile(CRL_COPY.der, pki.revocationList.der, false),
    outputFile(CRL_COPY.pem, pki.revocationList.pem, false),
    outputFile("etcdctl.env", etcdctlEnvironment(spec, pkiDir, ". ./etcdctl.env && etcdctl member list -w table", envExport), false),
    outputFile("etcdctl.env.ps1", etcdctlEnvironment(spec, pkiDir, ". .\\etcdctl.env.ps1; etcdctl member list -w table", powershellEnvAssignment), false),
    ...assembleClientBundles(spec, pki.caCertPem, pki.clients).map((f) => outputFile(f.path, f.content, f.secret)),
    ...prometheusFiles(spec).map((file) => outputFile(file.path, file.content, false)),
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
