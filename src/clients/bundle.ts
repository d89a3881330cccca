// The client bundles: for each client with a purpose, clients/<name>/ in the output holds the CA
// certificate, the client's certificate and key, and the snippet for its consumer. The key leaves
// pki/ on purpose here (the consumer needs it): the file is secret, so the writer makes it 0600 in
// a 0700 folder. Clients without a purpose get nothing: their keys stay in pki/.

import { posix } from "node:path";
import { clientUrl } from "../etcd/config.js";
import type { CertifiedKey } from "../pki/types.js";
import type { ClientPurpose, Spec } from "../spec/types.js";
import { renderK3sConfig, renderKubeApiserverFlags, type CopiedFiles } from "./snippets.js";

/** The bundle's file names, which are also their names once copied to the consumer host. */
export const BUNDLE_FILES = { caCert: "ca.crt", clientCert: "client.crt", clientKey: "client.key" } as const;

interface Consumer {
  /** Where the README says to copy the bundle's files on the consumer host. */
  folder: string;
  snippet: string;
  render: (cluster: string, endpoints: string[], files: CopiedFiles) => string;
}

export const CONSUMERS: Record<ClientPurpose, Consumer> = {
  k3s: { folder: "/etc/rancher/k3s/etcd", snippet: "k3s-config.yaml", render: renderK3sConfig },
  "kube-apiserver": { folder: "/etc/kubernetes/pki/etcd", snippet: "kube-apiserver.flags", render: renderKubeApiserverFlags },
};

export interface BundleFile {
  path: string;
  content: string;
  /** Carries the client's private key. */
  secret: boolean;
}

export function clientBundleFolder(name: string): string {
  return `clients/${name}`;
}

export function assembleClientBundles(spec: Spec, caCertPem: string, keys: ReadonlyMap<string, CertifiedKey>): BundleFile[] {
  const endpoints = spec.hosts.map((host) => clientUrl(spec, host));
  return spec.clients.flatMap(({ name, for: purpose }): BundleFile[] => {
    if (purpose === undefined) return [];
    const pair = keys.get(name);
    if (!pair) throw new Error(`client ${name} is for ${purpose} but the PKI holds no certificate for it`);
    const consumer = CONSUMERS[purpose];
    const copied: CopiedFiles = {
      folder: consumer.folder,
      caCert: posix.join(consumer.folder, BUNDLE_FILES.caCert),
      clientCert: posix.join(consumer.folder, BUNDLE_FILES.clientCert),
      clientKey: posix.join(consumer.folder, BUNDLE_FILES.clientKey),
    };
    const folder = clientBundleFolder(name);
    return [
      { path: `${folder}/${BUNDLE_FILES.caCert}`, content: caCertPem, secret: false },
      { path: `${folder}/${BUNDLE_FILES.clientCert}`, content: pair.certPem, secret: false },
      { path: `${folder}/${BUNDLE_FILES.clientKey}`, content: pair.keyPem, secret: true },
      { path: `${folder}/${consumer.snippet}`, content: consumer.render(spec.cluster.name, endpoints, copied), secret: false },
    ];
  });
}
