// The cluster's PKI folder brought up to date: keep what is still good, (re)issue the rest,
// and write only what changed. No file is written until every key and certificate has been made.
import { join } from "node:path";
import { UserError } from "../errors.js";
import { forEachLimited } from "../write/concurrency.js";
import { writeFileAtomic, type AtomicWrite } from "../write/atomic-file.js";
import { archiveStampOf, commitCa, privateWrite, publicWrite, recoverStagedCa } from "./ca-files.js";
import { revocationList, type RetiredSerial, type RevocationList } from "./crl.js";
import { createCa, DAY_MS, issueCertificate, readCertificate, type CertificateAuthority, type CertificateFacts } from "./certificates.js";
import { assertFolderOrMissing, keepKeyPrivate, makePrivateDirectory, readIfExists } from "./files.js";
import { generateKeyPair, readKeyPair, signingKeyOf, type KeyPair } from "./keys.js";
import { caCommonName, clientProfile, hostProfile, subjectName, type LeafProfile } from "./profiles.js";
import { reissueReason, renewalDeadline, type ExistingLeaf } from "./reuse.js";
import { pkiPaths, type CertifiedKey, type IssuedPki, type IssueReason, type PkiReport, type PkiRequest } from "./types.js";
import { certificateUsage } from "./usage.js";

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
  /** A new CA's key, to be put in place with its certificate (ca-files.ts). */
  newKeyPem: string | undefined;
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

export interface EnsuredPki {
  pki: IssuedPki;
  report: PkiReport;
  renewBy: Date;
  /**
   * The CA's CRL for these retired certificates (see crl.ts), given the last one it signed. Which
   * certificates are retired is the build state's to say; the CA key stays in here.
   */
  signRevocationList: (retired: readonly RetiredSerial[], previousDer: Buffer | undefined) => Promise<RevocationList>;
}

/**
 * Makes or updates the PKI folder for the request and returns its PEMs (never the CA key).
 * Throws a UserError when the existing CA cannot be used as it is, or a file is in the way;
 * no key or certificate is written then. The caller holds the folder's lock (folder-lock.ts).
 */
export async function ensurePki(req: PkiRequest): Promise<EnsuredPki> {
  const leaves = leavesOf(req);
  const notes: string[] = [];
  const folders = [req.dir, join(req.dir, "hosts"), join(req.dir, "clients")];
  for (const folder of folders) await assertFolderOrMissing(folder); // all before creating any
  for (const folder of folders) await makePrivateDirectory(folder, notes);
  await recoverStagedCa(req.dir, notes);

  // The CA and every leaf proceed concurrently, so all key generation overlaps; leaves wait for the CA only to sign.
  const caReady = obtainCa(req, notes);
  const [ca, leafStates] = await Promise.all([caReady, Promise.all(leaves.map((leaf) => ensureLeaf(leaf, req, caReady, notes)))]);
  notes.push(...cappedLeafNotes(ca, leafStates, req));

  // Leaves before the CA: if we stop half-way, the next run sees leaves of an unknown CA and re-issues them.
  await forEachLimited(leafStates, async (state) => {
    for (const write of state.writes) await writeFileAtomic(write);
  });
  if (ca.newKeyPem !== undefined) {
    const archived = await commitCa(req.dir, ca.newKeyPem, ca.certPem, req.replaceCa ? archiveStampOf(req.now) : undefined);
    if (archived.length > 0) notes.push(`kept the replaced CA as ${archived.join(" and ")}`);
  }
  return {
    pki: clusterPki(ca, leafStates),
    report: report(ca, leafStates, notes),
    renewBy: renewBy(ca, leafStates, req.validityDays),
    signRevocationList: (retired, previousDer) => revocationList({ ca: ca.authority, retired, now: req.now, previousDer }),
  };
}

/** The first moment a build has certificates to renew: the earliest renewal deadline, or the CA's expiry. */
function renewBy(ca: CaState, leafStates: LeafState[], validityDays: number): Date {
  const caNotAfter = ca.authority.cert.notAfter;
  const leafDeadlines = leafStates.map((state) => renewalDeadline(state.notAfter, caNotAfter, validityDays).getTime());
  return new Date(Math.min(caNotAfter.getTime(), ...leafDeadlines));
}

/** Certificates end no later than their CA: say so when that cut the validity asked for. */
function cappedLeafNotes(ca: CaState, leafStates: LeafState[], req: PkiRequest): string[] {
  const caNotAfter = ca.authority.cert.notAfter;
  const cut = leafStates.some((state) => state.reason !== undefined) && caNotAfter.getTime() < req.now.getTime() + req.validityDays * DAY_MS;
  if (!cut) return [];
  return [
    `The CA in ${req.dir} expires on ${caNotAfter.toISOString()}, sooner than the ${req.validityDays} days tls.validityDays asks for: ` +
      `the certificates issued now end with it. Before then, run with --replace-ca to make a new CA (every host then needs its new artifacts).`,
  ];
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

async function obtainCa(req: PkiRequest, notes: string[]): Promise<CaState> {
  const certPath = join(req.dir, pkiPaths.caCert);
  const keyPath = join(req.dir, pkiPaths.caKey);
  const [certPem, keyPem] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (!req.replaceCa) {
    if (certPem !== undefined && keyPem !== undefined) {
      await keepKeyPrivate(keyPath, notes);
      return loadCa(certPem, keyPem, req);
    }
    if (certPem !== undefined || keyPem !== undefined) {
      const [present, missing] = certPem !== undefined ? [certPath, keyPath] : [keyPath, certPath];
      throw new UserError(
        `${missing} is missing but ${present} exists. Restore ${missing}, or run with --replace-ca ` +
          `to make a new CA (which re-issues every host and client certificate).`,
      );
    }
  }
  return newCa(req);
}

/** An existing CA is never replaced silently: anything wrong with it is for the user to decide. */
function loadCa(certPem: string, keyPem: string, req: PkiRequest): CaState {
  const certPath = join(req.dir, pkiPaths.caCert);
  const keyPath = join(req.dir, pkiPaths.caKey);
  const replaceHint = `Fix it, or run with --replace-ca to make a new CA (which re-issues every certificate; the old CA is kept as ca.<date>.crt/.key).`;
  let cert: CertificateFacts;
  let key: KeyPair;
  try {
    cert = readCertificate(certPem);
    certificateUsage(cert);
  } catch (error) {
    throw new UserError(`${certPath} is damaged (not a PEM certificate: ${(error as Error).message}). ${replaceHint}`);
  }
  try {
    key = readKeyPair(keyPem);
  } catch {
    throw new UserError(`${keyPath} is damaged (not a PEM private key). ${replaceHint}`);
  }
  if (key.algorithm === undefined) {
    throw new UserError(`${keyPath} is not an ECDSA P-256, RSA 2048 or RSA 4096 key. ${replaceHint}`);
  }
  if (!cert.spki.equals(key.spki)) {
    throw new UserError(`${keyPath} is not the key of ${certPath}. ${replaceHint}`);
  }
  const usage = certificateUsage(cert);
  if (!usage.ca) throw new UserError(`${certPath} is not a CA certificate (its basic constraints do not say CA:TRUE), so nothing it signs would verify. ${replaceHint}`);
  if (!usage.keyUsages?.includes("keyCertSign")) {
    throw new UserError(`${certPath} may not sign certificates (its key usage has no keyCertSign), so nothing it signs would verify. ${replaceHint}`);
  }
  if (req.now.getTime() >= cert.notAfter.getTime()) {
    throw new UserError(
      `The CA ${certPath} expired on ${cert.notAfter.toISOString()}: nothing it signs is valid. Run with --replace-ca to make a new CA ` +
        `(the old one is kept as ca.<date>.crt/.key; every certificate is re-issued, and every host needs its new artifacts).`,
    );
  }
  return { authority: { cert, signingKey: signingKeyOf(keyPem) }, certPem, created: false, newKeyPem: undefined };
}

async function newCa(req: PkiRequest): Promise<CaState> {
  const key = await generateKeyPair(req.algorithm);
  const signingKey = signingKeyOf(key.pem);
  const certPem = await createCa({
    subject: subjectName(caCommonName(req.cluster), req.subject),
    spki: key.spki,
    signingKey,
    now: req.now,
    validityDays: req.caValidityDays,
  });
  return { authority: { cert: readCertificate(certPem), signingKey }, certPem, created: true, newKeyPem: key.pem };
}

async function ensureLeaf(leaf: Leaf, req: PkiRequest, caReady: Promise<CaState>, notes: string[]): Promise<LeafState> {
  const [certPem, keyPem] = await Promise.all([readIfExists(leaf.certPath), readIfExists(leaf.keyPath)]);
  if (keyPem !== undefined) await keepKeyPrivate(leaf.keyPath, notes);
  const existingKey = keyPem === undefined ? undefined : readableKeyPair(keyPem);
  const existingCert = certPem === undefined ? undefined : readableCertificate(certPem);
  if (keyPem !== undefined && existingKey === undefined) notes.push(`${leaf.keyPath} is damaged (not a PEM private key): replaced by a new key and certificate.`);
  if (certPem !== undefined && existingCert === undefined) notes.push(`${leaf.certPath} is damaged (not a PEM certificate): issued again.`);
  const [ca, key] = await Promise.all([caReady, leafKey(existingKey, req)]);
  // Every path below a generated key issues a certificate, so a new key is never thrown away:
  // a missing or unreadable key means no existing leaf, another algorithm means a reason.
  if (existingKey === undefined || existingCert === undefined) {
    const damaged = (keyPem !== undefined && existingKey === undefined) || (certPem !== undefined && existingCert === undefined);
    return issueLeaf(leaf, req, ca, key, damaged ? "damaged" : "new");
  }
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
  const issued = await issueCertificate({
    ca: ca.authority,
    profile: leaf.profile,
    spki: key.spki,
    algorithm: req.algorithm,
    now: req.now,
    validityDays: req.validityDays,
  });
  const certPem = issued.pem;
  const certWrite = publicWrite(leaf.certPath, certPem);
  // Key first: a run stopped in between leaves a certificate that does not match its key, which the next run re-issues.
  const writes = key.generated ? [privateWrite(leaf.keyPath, key.pem), certWrite] : [certWrite];
  return { leaf, files: { certPem, keyPem: key.pem }, reason, writes, notAfter: issued.notAfter };
}

/** Unreadable files hold nothing to keep: the leaf is issued anew (and reported as damaged). */
function readableKeyPair(pem: string): KeyPair | undefined {
  try {
    return readKeyPair(pem);
  } catch {
    return undefined;
  }
}

function readableCertificate(pem: string): CertificateFacts | undefined {
  try {
    const cert = readCertificate(pem);
    certificateUsage(cert); // extensions that cannot be decoded are damage too
    return cert;
  } catch {
    return undefined;
  }
}

function clusterPki(ca: CaState, leafStates: LeafState[]): IssuedPki {
  const filesOf = (kind: LeafKind) =>
    new Map(leafStates.filter((state) => state.leaf.kind === kind).map((state) => [state.leaf.name, state.files]));
  return { caCertPem: ca.certPem, hosts: filesOf("host"), clients: filesOf("client") };
}

function report(ca: CaState, leafStates: LeafState[], notes: string[]): PkiReport {
  const result: PkiReport = { caCreated: ca.created, issued: [], reused: [], notes };
  for (const { leaf, reason } of leafStates) {
    if (reason === undefined) result.reused.push({ kind: leaf.kind, name: leaf.name });
    else result.issued.push({ kind: leaf.kind, name: leaf.name, reason });
  }
  return result;
}
