// What a build leaves next to the PKI (pki/<cluster>/state.json): the members it produced
// artifacts for, how each bootstraps, their certificates, and the hash of every artifact.
// Deterministic (no timestamps), so an unchanged rebuild leaves it byte-identical.

export interface BootstrapMember {
  name: string;
  address: string;
  dnsNames: string[];
}

export interface Bootstrap {
  clusterState: "new" | "existing";
  /** initial-cluster, and the names an Alpine host's /etc/hosts knows. */
  members: BootstrapMember[];
}

export interface MemberState {
  name: string;
  address: string;
  dnsNames: string[];
  peerUrl: string;
  clientUrl: string;
  bootstrap: Bootstrap;
  certificate: { serial: string; notAfter: string };
  /** Output path (relative to the cluster's output folder) → SHA-256. */
  artifacts: Record<string, string>;
  /**
   * Path on the host → SHA-256 of each planned file inside the artifacts (user-data, overlay):
   * plan compares these to say what kind of change a host gets. Absent in older state files.
   */
  files?: Record<string, string>;
}

export interface RetiredMember {
  name: string;
  address: string;
  certificate: { serial: string; notAfter: string };
}

export interface BuildState {
  cluster: string;
  members: MemberState[];
  /** Hosts removed from the spec: their certificates are no longer handed out. */
  retired: RetiredMember[];
  /**
   * The cluster's initial-cluster-token when `etcdboot restore` made a new logical cluster:
   * it replaces the spec's token in every later build.
   */
  clusterToken?: string;
}
