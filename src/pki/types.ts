// The PKI as the rest of the pipeline sees it: PEM text only. Keys and certificates are made
// and kept by src/pki; the planner just places the right PEMs on the right host.

export type KeyAlgorithm = "ecdsa-p256" | "rsa-2048" | "rsa-4096";

/** Distinguished-name fields, as in the seeds' cfssl CSRs ("names": [{C, ST, L, O, OU}]). */
export interface SubjectFields {
  C?: string;
  ST?: string;
  L?: string;
  O?: string;
  OU?: string;
}

export interface CertifiedKey {
  certPem: string;
  keyPem: string;
}

export interface IssuedPki {
  /** The CA certificate only: the CA key never leaves the PKI folder. */
  caCertPem: string;
  /** Per host name: its own key and certificate (serverAuth + clientAuth, used for client and peer TLS). */
  hosts: ReadonlyMap<string, CertifiedKey>;
  /** Per client name (e.g. admin): clientAuth certificates for etcdctl and applications. */
  clients: ReadonlyMap<string, CertifiedKey>;
}

/** The certificates and the CA's list of the retired ones (see crl.ts), as hosts get them. */
export interface ClusterPki extends IssuedPki {
  revocationList: { der: Uint8Array; pem: string };
}

/** What the PKI needs to know about one host: the names and addresses its certificate must carry. */
export interface HostIdentity {
  name: string;
  dnsNames: string[];
  ipAddresses: string[];
}

export interface PkiRequest {
  /** Folder that holds this cluster's CA and keys (created 0700; keys 0600). */
  dir: string;
  cluster: string;
  algorithm: KeyAlgorithm;
  subject: SubjectFields;
  /** Validity of host and client certificates. */
  validityDays: number;
  caValidityDays: number;
  hosts: HostIdentity[];
  clients: string[];
  /** Injected clock: everything time-dependent (NotBefore/NotAfter, "nears expiry") uses it. */
  now: Date;
  /** Make a new CA even if one exists (and so re-issue everything). */
  replaceCa: boolean;
}

export type IssueReason = "new" | "names changed" | "expires soon" | "algorithm changed" | "other CA" | "new CA" | "usage changed" | "damaged";

export interface PkiReport {
  caCreated: boolean;
  issued: { kind: "host" | "client"; name: string; reason: IssueReason }[];
  reused: { kind: "host" | "client"; name: string }[];
  /** What the build repaired or decided on its own and the user should know (tightened modes, a kept old CA, damaged files). */
  notes: string[];
}

/** Paths inside the PKI folder (relative to PkiRequest.dir). */
export const pkiPaths = {
  caCert: "ca.crt",
  caKey: "ca.key",
  /** A new CA is written here first, then renamed into place (see ca-files.ts). */
  stagedCaCert: "ca.crt.staged",
  stagedCaKey: "ca.key.staged",
  /** Where --replace-ca keeps the CA it replaces (stamp: its UTC date and time). */
  archivedCaCert: (stamp: string) => `ca.${stamp}.crt`,
  archivedCaKey: (stamp: string) => `ca.${stamp}.key`,
  hostCert: (name: string) => `hosts/${name}.crt`,
  hostKey: (name: string) => `hosts/${name}.key`,
  clientCert: (name: string) => `clients/${name}.crt`,
  clientKey: (name: string) => `clients/${name}.key`,
  /** The last CRL the CA signed: kept while the retired serials stay the same, so rebuilds do not change it. */
  crl: "crl.pem",
} as const;
