// The cluster's PKI folder brought up to date: keep what is still good, (re)issue the rest,
// and write only what changed. No file is written until every key and certificate has been made.
import { join } from "node:path";
import { UserError } from "../errors.js";
import { certificatePem, certifiesKey, createCa, issueCertificate, type CertificateAuthority } from "./certificates.js";
import {
  makePrivateDirectory,
  PRIVATE_FILE_MODE,
  PUBLIC_FILE_MODE,
  readIfExists,
  writeFileAtomic,
  type FileWrite,
} from "./files.js";
import { exportPrivateKeyPem, generateKeyPair, importKeyPair, keyAlgorithmOf, type CryptoKeyPair } from "./keys.js";
import { clientProfile, hostProfile, type LeafProfile } from "./profiles.js";
import { reissueReason, type ExistingLeaf } from "./reuse.js";
import {
  pkiPaths,
  type CertifiedKey,
  type ClusterPki,
  type IssueReason,
  type KeyAlgorithm,
  type PkiReport,
  type PkiRequest,
} from "./types.js";
import { x509 } from "./x509.js";

type LeafKind = "host" | "client";

/** A host or client certificate the cluster needs. */
interface Leaf {
  kind: LeafKind;
  name: string;
  certPath: string;
  keyPath: string;
  profile: LeafProfile;
}

interface CaState {
  authority: CertificateAuthority;
  certPem: string;
  created: boolean;
  writes: FileWrite[];
}

interface LeafState {
  leaf: Leaf;
  files: CertifiedKey;
  /** undefined: the files on disk were kept as they are. */
  reason: IssueReason | undefined;
  writes: FileWrite[];
}

/**
 * Makes or updates the PKI folder for the request and returns its PEMs (never the CA key).
 * Throws a UserError when the existing CA cannot be used as it is; nothing is written then.
 */
export async function ensurePki(req: PkiRequest): Promise<{ pki: ClusterPki; report: PkiReport }> {
  const leaves = leavesOf(req);
  await makePrivateDirectory(req.dir);
  await Promise.all(["hosts", "clients"].map((folder) => makePrivateDirectory(join(req.dir, folder))));

  // The CA and every leaf proceed concurrently, so all key generation overlaps; leaves wait for the CA only to sign.
  const caReady = obtainCa(req);
  const [ca, leafStates] = await Promise.all([caReady, Promise.all(leaves.map((leaf) => ensureLeaf(leaf, req, caReady)))]);

  // Leaves before the CA: if we stop half-way, the next run sees leaves of an unknown CA and re-issues them.
  for (const write of [...leafStates.flatMap((state) => state.writes), ...ca.writes]) {
    await writeFileAtomic(write);
  }
  return { pki: clusterPki(ca, leafStates), report: report(ca, leafStates) };
}

function leavesOf(req: PkiRequest): Leaf[] {
  const hosts = req.hosts.map((host) => planLeaf(req.dir, "host", host.name, hostProfile(host, req.subject)));
  const clients = req.clients.map((name) => planLeaf(req.dir, "client", name, clientProfile(name, req.subject)));
  for (const group of [hosts, clients]) assertUniqueNames(group);
  return [...hosts, ...clients];
}

function planLeaf(dir: string, kind: LeafKind, name: string, profile: LeafProfile): Leaf {
  assertSafeFileName(kind, name);
  const [certPath, keyPath] =
    kind === "host" ? [pkiPaths.hostCert(name), pkiPaths.hostKey(name)] : [pkiPaths.clientCert(name), pkiPaths.clientKey(name)];
  return { kind, name, certPath: join(dir, certPath), keyPath: join(dir, keyPath), profile };
}

/** Names become file names: they must not climb out of the folder or hide as dot files. */
function assertSafeFileName(kind: LeafKind, name: string): void {
  if (name === "" || name.includes("/") || name.includes("\\") || name.includes("\0") || name.startsWith(".")) {
    throw new UserError(`The ${kind} name "${name}" cannot be used as a file name (empty, contains "/" or starts with ".").`);
  }
}

function assertUniqueNames(leaves: Leaf[]): void {
  const seen = new Set<string>();
  for (const { kind, name } of leaves) {
    if (seen.has(name)) throw new UserError(`The ${kind} "${name}" is listed twice.`);
    seen.add(name);
  }
}

async function obtainCa(req: PkiRequest): Promise<CaState> {
  const certPath = join(req.dir, pkiPaths.caCert);
  const keyPath = join(req.dir, pkiPaths.caKey);
  const [certPem, keyPem] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (!req.replaceCa) {
    if (certPem !== undefined && keyPem !== undefined) return loadCa(certPem, keyPem, req.dir);
    if (certPem !== undefined || keyPem !== undefined) {
      const [present, missing] = certPem !== undefined ? [certPath, keyPath] : [keyPath, certPath];
      throw new UserError(
        `${missing} is missing but ${present} exists. Restore ${missing}, or run with --replace-ca ` +
          `to make a new CA (which re-issues every host and client certificate).`,
      );
    }
  }
  return newCa(req, certPath, keyPath);
}

/** An existing CA is never replaced silently: anything wrong with it is for the user to decide. */
async function loadCa(certPem: string, keyPem: string, dir: string): Promise<CaState> {
  const replaceHint = `Fix it, or run with --replace-ca to make a new CA (which re-issues every certificate).`;
  let cert: x509.X509Certificate;
  let algorithm: KeyAlgorithm | undefined;
  try {
    cert = new x509.X509Certificate(certPem);
    algorithm = keyAlgorithmOf(keyPem);
  } catch (error) {
    throw new UserError(`Cannot read the CA in ${dir}: ${(error as Error).message}. ${replaceHint}`);
  }
  if (algorithm === undefined) {
    throw new UserError(`${join(dir, pkiPaths.caKey)} is not an ECDSA P-256, RSA 2048 or RSA 4096 key. ${replaceHint}`);
  }
  if (!certifiesKey(cert, keyPem)) {
    throw new UserError(`${join(dir, pkiPaths.caKey)} is not the key of ${join(dir, pkiPaths.caCert)}. ${replaceHint}`);
  }
  const keys = await importKeyPair(keyPem, algorithm);
  return { authority: { cert, keys }, certPem, created: false, writes: [] };
}

async function newCa(req: PkiRequest, certPath: string, keyPath: string): Promise<CaState> {
  const keys = await generateKeyPair(req.algorithm);
  const cert = await createCa({
    cluster: req.cluster,
    subject: req.subject,
    keys,
    now: req.now,
    validityDays: req.caValidityDays,
  });
  const certPem = certificatePem(cert);
  const keyPem = await exportPrivateKeyPem(keys.privateKey);
  return {
    authority: { cert, keys },
    certPem,
    created: true,
    writes: [
      { path: keyPath, contents: keyPem, mode: PRIVATE_FILE_MODE },
      { path: certPath, contents: certPem, mode: PUBLIC_FILE_MODE },
    ],
  };
}

async function ensureLeaf(leaf: Leaf, req: PkiRequest, caReady: Promise<CaState>): Promise<LeafState> {
  const [certPem, keyPem] = await Promise.all([readIfExists(leaf.certPath), readIfExists(leaf.keyPath)]);
  const existing = parseExistingLeaf(certPem, keyPem);
  const [ca, key] = await Promise.all([caReady, leafKey(keyPem, req.algorithm)]);
  // Every path below a generated key issues a certificate, so a new key is never thrown away:
  // a missing or unreadable key means no `existing`, another algorithm means a reason.
  if (existing === undefined) return issueLeaf(leaf, req, ca, key, "new");
  if (ca.created) return issueLeaf(leaf, req, ca, key, "new CA");
  const reason = await reissueReason(existing, {
    caCert: ca.authority.cert,
    algorithm: req.algorithm,
    profile: leaf.profile,
    now: req.now,
    validityDays: req.validityDays,
  });
  if (reason !== undefined) return issueLeaf(leaf, req, ca, key, reason);
  return { leaf, files: { certPem: existing.certPem, keyPem: existing.keyPem }, reason: undefined, writes: [] };
}

interface LeafKey {
  keys: CryptoKeyPair;
  pem: string;
  generated: boolean;
}

/** The existing key while it is of the requested algorithm (even when its certificate is re-issued); a new one otherwise. */
async function leafKey(keyPem: string | undefined, algorithm: KeyAlgorithm): Promise<LeafKey> {
  if (keyPem !== undefined && readableKeyAlgorithm(keyPem) === algorithm) {
    return { keys: await importKeyPair(keyPem, algorithm), pem: keyPem, generated: false };
  }
  const keys = await generateKeyPair(algorithm);
  return { keys, pem: await exportPrivateKeyPem(keys.privateKey), generated: true };
}

async function issueLeaf(leaf: Leaf, req: PkiRequest, ca: CaState, key: LeafKey, reason: IssueReason): Promise<LeafState> {
  const cert = await issueCertificate({
    ca: ca.authority,
    profile: leaf.profile,
    publicKey: key.keys.publicKey,
    now: req.now,
    validityDays: req.validityDays,
  });
  const files = { certPem: certificatePem(cert), keyPem: key.pem };
  const certWrite = { path: leaf.certPath, contents: files.certPem, mode: PUBLIC_FILE_MODE };
  const keyWrite = { path: leaf.keyPath, contents: files.keyPem, mode: PRIVATE_FILE_MODE };
  // Key first: a run stopped in between leaves a certificate that does not match its key, which the next run re-issues.
  return { leaf, files, reason, writes: key.generated ? [keyWrite, certWrite] : [certWrite] };
}

function readableKeyAlgorithm(keyPem: string): KeyAlgorithm | undefined {
  try {
    return keyAlgorithmOf(keyPem);
  } catch {
    return undefined;
  }
}

/** Both files present and readable; otherwise there is nothing to keep and the leaf counts as new. */
function parseExistingLeaf(
  certPem: string | undefined,
  keyPem: string | undefined,
): (ExistingLeaf & { certPem: string }) | undefined {
  if (certPem === undefined || keyPem === undefined) return undefined;
  try {
    return { cert: new x509.X509Certificate(certPem), certPem, keyPem, keyAlgorithm: keyAlgorithmOf(keyPem) };
  } catch {
    return undefined;
  }
}

function clusterPki(ca: CaState, leafStates: LeafState[]): ClusterPki {
  const filesOf = (kind: LeafKind) =>
    new Map(leafStates.filter((state) => state.leaf.kind === kind).map((state) => [state.leaf.name, state.files]));
  return { caCertPem: ca.certPem, hosts: filesOf("host"), clients: filesOf("client") };
}

function report(ca: CaState, leafStates: LeafState[]): PkiReport {
  const result: PkiReport = { caCreated: ca.created, issued: [], reused: [] };
  for (const { leaf, reason } of leafStates) {
    if (reason === undefined) result.reused.push({ kind: leaf.kind, name: leaf.name });
    else result.issued.push({ kind: leaf.kind, name: leaf.name, reason });
  }
  return result;
}
