// Reading the PKI folder for the commands that only look at it (certs, status, members): every
// way a file can be missing or damaged becomes a message that says which file and what to run.

import { createPrivateKey, X509Certificate } from "node:crypto";
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ClusterCredentials } from "../cluster/client.js";
import { UserError } from "../errors.js";
import { readIfExists } from "../pki/files.js";
import { pkiPaths } from "../pki/types.js";

/** What a file is, for the fix: build issues a leaf again, but a lost CA is a new CA. */
export type PkiFileRole = "ca" | "leaf";

const FIX: Record<PkiFileRole, string> = {
  ca: "restore the PKI folder from a backup, or run etcdboot build --replace-ca (a new CA re-issues every certificate)",
  leaf: "run etcdboot build: it issues it again",
};

/** The cluster's PKI folder, which must exist: nothing can be listed or reached before a build. */
export async function existingPkiDir(pkiRoot: string, cluster: string): Promise<string> {
  const dir = resolve(pkiRoot, cluster);
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") throw new UserError(`no PKI for cluster ${cluster} in ${pkiRoot}/: run etcdboot build first (or pass the --pki folder it used)`);
    throw new UserError(`cannot read the PKI folder ${dir}: ${error.message}`);
  });
  if (!info.isDirectory()) throw new UserError(`${dir} is not a folder: the PKI of cluster ${cluster} should be there (check --pki)`);
  return dir;
}

/** The file's text; refused by name when missing, not a regular file or too large to be a key or certificate. */
export async function readPkiFile(path: string, role: PkiFileRole): Promise<string> {
  const text = await readIfExists(path).catch((error: Error) => {
    throw error instanceof UserError ? error : new UserError(`cannot read ${path}: ${error.message}`);
  });
  if (text === undefined) throw new UserError(`${path} is missing: ${FIX[role]}`);
  return text;
}

/** parse(), with whatever it throws turned into "this file is damaged, do this". */
export function parsePkiFile<T>(path: string, role: PkiFileRole, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UserError(`${path} is damaged (${(error as Error).message}): ${FIX[role]}`);
  }
}

/**
 * The client certificate to reach the cluster with, checked before any connection: a damaged
 * or mismatched file would otherwise surface as an obscure TLS error from every member.
 */
export async function readClientCredentials(pkiDir: string, client: string): Promise<ClusterCredentials> {
  const paths = { ca: join(pkiDir, pkiPaths.caCert), cert: join(pkiDir, pkiPaths.clientCert(client)), key: join(pkiDir, pkiPaths.clientKey(client)) };
  const [caCertPem, certPem, keyPem] = await Promise.all([readPkiFile(paths.ca, "ca"), readPkiFile(paths.cert, "leaf"), readPkiFile(paths.key, "leaf")]);
  const ca = parsePkiFile(paths.ca, "ca", () => new X509Certificate(caCertPem));
  const cert = parsePkiFile(paths.cert, "leaf", () => new X509Certificate(certPem));
  const key = parsePkiFile(paths.key, "leaf", () => createPrivateKey(keyPem));
  if (!cert.checkPrivateKey(key)) throw new UserError(`${paths.key} is not the key of ${paths.cert}: ${FIX.leaf}`);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw new UserError(`${paths.cert} was not issued by ${paths.ca}: ${FIX.leaf}`);
  return { caCertPem, certPem, keyPem };
}
