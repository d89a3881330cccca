// What `etcdboot --version` says: etcdboot's own version, the etcd release lines it can build
// for, and the Node.js it runs on (the first things a bug report needs).

import { DEFAULT_ETCD_VERSION, SUPPORTED_MINORS } from "../etcd/version.js";

export function versionText(packageVersion: string, nodeVersion: string): string {
  return [
    `etcdboot ${packageVersion}`,
    `etcd releases: ${SUPPORTED_MINORS.map((minor) => `${minor}.x`).join(", ")} (default ${DEFAULT_ETCD_VERSION})`,
    `Node.js ${nodeVersion}`,
  ].join("\n");
}
