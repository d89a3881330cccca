// Upstream release layout: <base>/v<version>/etcd-v<version>-linux-<arch>.tar.gz and
// <base>/v<version>/SHA256SUMS. Mirrors must keep this layout.

import type { Arch } from "../spec/types.js";
import { shipsEtcdutl, type EtcdVersion } from "./version.js";

export interface ReleaseArtifact {
  /** e.g. etcd-v3.6.14-linux-amd64 (also the tarball's single top-level folder) */
  name: string;
  tarballUrl: string;
  sumsUrl: string;
  /** The binaries this release line ships. */
  binaries: string[];
}

export function releaseArtifact(downloadUrl: string, version: EtcdVersion, arch: Arch): ReleaseArtifact {
  const name = `etcd-v${version.text}-linux-${arch}`;
  const folder = `${downloadUrl}/v${version.text}`;
  return {
    name,
    tarballUrl: `${folder}/${name}.tar.gz`,
    sumsUrl: `${folder}/SHA256SUMS`,
    binaries: shipsEtcdutl(version) ? ["etcd", "etcdctl", "etcdutl"] : ["etcd", "etcdctl"],
  };
}
