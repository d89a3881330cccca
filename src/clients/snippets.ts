// The settings that point a consumer at the cluster, in that consumer's own format: a k3s
// config.yaml fragment (through the YAML emitter) and kube-apiserver flags (shell words).
// Pure: endpoints and the paths where the bundle's files are copied come in as parameters.

import { toYaml } from "../encoders/yaml.js";
import { shellWord } from "../escape/shell.js";
import { commentLine } from "../escape/token.js";

/** Where the consumer host keeps the bundle's files once copied there. */
export interface CopiedFiles {
  folder: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
}

function copyInstructions(files: CopiedFiles, then: string[]): string[] {
  return [
    commentLine(`Copy ca.crt, client.crt and client.key from this folder to ${files.folder}/ (client.key: 0600, owner root),`),
    ...then.map(commentLine),
  ];
}

export function renderK3sConfig(cluster: string, endpoints: string[], files: CopiedFiles): string {
  const header = [
    commentLine(`k3s server: etcd cluster ${cluster} as the external datastore (written by etcdboot).`),
    ...copyInstructions(files, ["then this file to /etc/rancher/k3s/config.yaml.d/etcd.yaml (or merge it into /etc/rancher/k3s/config.yaml)."]),
  ];
  const settings = {
    "datastore-endpoint": endpoints.join(","),
    "datastore-cafile": files.caCert,
    "datastore-certfile": files.clientCert,
    "datastore-keyfile": files.clientKey,
  };
  return `${header.join("\n")}\n${toYaml(settings)}`;
}

export function renderKubeApiserverFlags(cluster: string, endpoints: string[], files: CopiedFiles): string {
  const header = [
    commentLine(`kube-apiserver: etcd cluster ${cluster} as its storage (written by etcdboot).`),
    ...copyInstructions(files, ["then add these flags to kube-apiserver's command line (shell words, one per line, continued with \\)."]),
  ];
  const flags = [
    `--etcd-servers=${shellWord(endpoints.join(","))}`,
    `--etcd-cafile=${shellWord(files.caCert)}`,
    `--etcd-certfile=${shellWord(files.clientCert)}`,
    `--etcd-keyfile=${shellWord(files.clientKey)}`,
  ];
  return `${header.join("\n")}\n${flags.join(" \\\n")}\n`;
}
