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
  certificate: CertificateRecord;
  /** Output path (relative to the cluster's output folder) → SHA-256. */
  artifacts: Record<string, string>;
  /**
   * Path on the host → SHA-256 of each planned file inside the artifacts (user-data, overlay):
   * plan compares these to say what kind of change a host gets. Absent in older state files.
   */
  files?: Record<string, string>;
}

export interface CertificateRecord {
  serial: string;
  notAfter: string;
}

export interface ClientState {
  name: string;
  certificate: CertificateRecord;
}

/** A certificate no longer handed out (removed, renumbered or renewed host; removed or renewed client; the leaves of a replaced CA). */
export interface RetiredCertificate {
  name: string;
  /** A client's certificate; absent for a host's. */
  kind?: "client";
  /** A host's address when its certificate was retired. */
  address?: string;
  certificate: CertificateRecord;
}

export interface BuildState {
  cluster: string;
  members: MemberState[];
  /** Client certificates handed out (absent in states written before clients were recorded). */
  clients?: ClientState[];
  /** Every certificate no longer handed out: the CRL lists those that have not expired. */
  retired: RetiredCertificate[];
  /** SHA-256 of the CRL (DER) the build wrote: plan tells the running members to fetch a changed one. */
  revocationListSha256?: string;
  /**
   * The cluster's initial-cluster-token when `etcdboot restore` made a new logical cluster:
   * it replaces the spec's token in every later build.
   */
  clusterToken?: string;
}
