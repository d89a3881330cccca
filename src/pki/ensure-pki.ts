// The cluster's PKI folder brought up to date: keep what is still good, (re)issue the rest,
// and write only what changed. No file is written until every key and certificate has been made.
import { join } from "node:path";
import { UserError } from "../errors.js";
import { forEachLimited } from "../write/concurrency.js";
import { writeFileAtomic, type AtomicWrite } from "../write/atomic-file.js";
import { createCa, issueCertificate, readCertificate, type CertificateAuthority, type CertificateFacts } from "./certificates.js";
import { makePrivateDirectory, PRIVATE_FILE_MODE, PUBLIC_FILE_MODE, readIfExists } from "./files.js";
import { generateKeyPair, readKeyPair, signingKeyOf, type KeyPair } from "./keys.js";
import { clientProfile, hostProfile, subjectName, type LeafProfile } from "./profiles.js";
import { reissueReason, renewalWindowMs, type ExistingLeaf } from "./reuse.js";
import { pkiPaths, type CertifiedKey, type ClusterPki, type IssueReason, type PkiReport, type PkiRequest } from "./types.js";

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
  writes: AtomicWrite[];
}

interface LeafState {
  leaf: Leaf;
  files: CertifiedKey;
  /** undefined: the files on disk were kept as they are. */
  reason: IssueReason | undefined;
  /** In order: a new key before its certificate. */
  writes: AtomicWrite[];
  notAfter: Date;
}

/**
 * Makes or updates the PKI folder for the request and returns its PEMs (never the CA key).
 * Throws a UserError when the existing CA cannot be used as it is; nothing is written then.
 */
export async function ensurePki(req: PkiRequest): Promise<{ pki: ClusterPki; report: PkiReport; renewBy: Date }> {
  const leaves = leavesOf(req);
  await makePrivateDirectory(req.dir);
  await Promise.all(["hosts", "clients"].map((folder) => makePrivateDirectory(join(req.dir, folder))));

  // The CA and every leaf proceed concurrently, so all key generation overlaps; leaves wait for the CA only to sign.
  const caReady = obtainCa(req);
  const [ca, leafStates] = await Promise.all([caReady, Promise.all(leaves.map((leaf) => ensureLeaf(leaf, req, caReady)))]);

  // Leaves before the CA: if we stop half-way, the next run sees leaves of an unknown CA and re-issues them.
  await forEachLimited(leafStates, async (state) => {
    for (const write of state.writes) await writeFileAtomic(write);
  });
  for (const write of ca.writes) await writeFileAtomic(write);
  return { pki: clusterPki(ca, leafStates), report: report(ca, leafStates), renewBy: renewBy(ca, leafStates, req.validityDays) };
}

/** The first moment a build has certificates to renew: the earliest renewal window, or the CA's expiry. */
function renewBy(ca: CaState, leafStates: LeafState[], validityDays: number): Date {
  const leafDeadlines = leafStates.map((state) => state.notAfter.getTime() - renewalWindowMs(validityDays));
  return new Date(Math.min(ca.authority.cert.notAfter.getTime(), ...leafDeadlines));
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
function loadCa(certPem: string, keyPem: string, dir: string): CaState {
  const replaceHint = `Fix it, or run with --replace-ca to make a new CA (which re-issues every certificate).`;
  let cert: CertificateFacts;
  let key: KeyPair;
  try {
    cert = readCertificate(certPem);
    key = readKeyPair(keyPem);
  } catch (error) {
    throw new UserError(`Cannot read the CA in ${dir}: ${(error as Error).message}. ${replaceHint}`);
  }
  if (key.algorithm === undefined) {
    throw new UserError(`${join(dir, pkiPaths.caKey)} is not an ECDSA P-256, RSA 2048 or RSA 4096 key. ${replaceHint}`);
  }
  if (!cert.spki.equals(key.spki)) {
    throw new UserError(`${join(dir, pkiPaths.caKey)} is not the key of ${join(dir, pkiPaths.caCert)}. ${replaceHint}`);
  }
  return { authority: { cert, signingKey: signingKeyOf(keyPem) }, certPem, created: false, writes: [] };
}

async function newCa(req: PkiRequest, certPath: string, keyPath: string): Promise<CaState> {
  const key = await generateKeyPair(req.algorithm);
  const signingKey = signingKeyOf(key.pem);
  const certPem = await createCa({
    subject: subjectName(`${req.cluster} etcd CA`, req.subject),
    spki: key.spki,
    signingKey,
    now: req.now,
    validityDays: req.caValidityDays,
  });
  return {
    authority: { cert: readCertificate(certPem), signingKey },
    certPem,
    created: true,
    writes: [privateWrite(keyPath, key.pem), publicWrite(certPath, certPem)],
  };
}

/** Keys and certificates get exactly their mode and reach the disk before they replace the old ones. */
const privateWrite = (path: string, contents: string): AtomicWrite => ({ path, contents, mode: PRIVATE_FILE_MODE, exactMode: true, durable: true });
const publicWrite = (path: string, contents: string): AtomicWrite => ({ path, contents, mode: PUBLIC_FILE_MODE, exactMode: true, durable: true });

async function ensureLeaf(leaf: Leaf, req: PkiRequest, caReady: Promise<CaState>): Promise<LeafState> {
  const [certPem, keyPem] = await Promise.all([readIfExists(leaf.certPath), readIfExists(leaf.keyPath)]);
  const existingKey = keyPem === undefined ? undefined : readableKeyPair(keyPem);
  const existingCert = certPem === undefined ? undefined : readableCertificate(certPem);
  const [ca, key] = await Promise.all([caReady, leafKey(existingKey, req)]);
  // Every path below a generated key issues a certificate, so a new key is never thrown away:
  // a missing or unreadable key means no existing leaf, another algorithm means a reason.
  if (existingKey === undefined || existingCert === undefined) return issueLeaf(leaf, req, ca, key, "new");
  if (ca.created) return issueLeaf(leaf, req, ca, key, "new CA");
  const existing: ExistingLeaf = { cert: existingCert, key: existingKey };
  const reason = reissueReason(existing, {
    caCert: ca.authority.cert,
    algorithm: req.algorithm,
    profile: leaf.profile,
    now: req.now,
    validityDays: req.validityDays,
  });
  if (reason !== undefined) return issueLeaf(leaf, req, ca, key, reason);
  return { leaf, files: { certPem: existingCert.pem, keyPem: existingKey.pem }, reason: undefined, writes: [], notAfter: existingCert.notAfter };
}

interface LeafKey extends KeyPair {
  generated: boolean;
}

/** The existing key while it is of the requested algorithm (even when its certificate is re-issued); a new one otherwise. */
async function leafKey(existing: KeyPair | undefined, req: PkiRequest): Promise<LeafKey> {
  if (existing?.algorithm === req.algorithm) return { ...existing, generated: false };
  return { ...(await generateKeyPair(req.algorithm)), generated: true };
}

async function issueLeaf(leaf: Leaf, req: PkiRequest, ca: CaState, key: LeafKey, reason: IssueReason): Promise<LeafState> {
  const certPem = await issueCertificate({
    ca: ca.authority,
    profile: leaf.profile,
    spki: key.spki,
    algorithm: req.algorithm,
    now: req.now,
    validityDays: req.validityDays,
  });
  const certWrite = publicWrite(leaf.certPath, certPem);
  // Key first: a run stopped in between leaves a certificate that does not match its key, which the next run re-issues.
  const writes = key.generated ? [privateWrite(leaf.keyPath, key.pem), certWrite] : [certWrite];
  return { leaf, files: { certPem, keyPem: key.pem }, reason, writes, notAfter: readCertificate(certPem).notAfter };
}

/** Unreadable files count as missing: there is nothing to keep, and the leaf is issued anew. */
function readableKeyPair(pem: string): KeyPair | undefined {
  try {
    return readKeyPair(pem);
  } catch {
    return undefined;
  }
}

function readableCertificate(pem: string): CertificateFacts | undefined {
  try {
    return readCertificate(pem);
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
