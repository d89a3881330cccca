// The last CRL the CA signed, kept in the PKI folder (pki/<cluster>/crl.pem) so that the next
// build can keep it as it is (crl.ts). Only a cache of what state.json says: a missing or damaged
// one is simply made again.
import { join } from "node:path";
import type { AtomicWrite } from "../write/atomic-file.js";
import { publicWrite } from "./ca-files.js";
import { readIfExists } from "./files.js";
import { pkiPaths } from "./types.js";

/** Room for tens of thousands of retired serials (a CRL entry is about 40 bytes). */
const MAX_CRL_PEM_BYTES = 4 * 1024 * 1024;

const PEM_CRL = /^-----BEGIN X509 CRL-----\n([A-Za-z0-9+/=\n]+)-----END X509 CRL-----\n$/;

/** The kept CRL as DER, or undefined when there is none (or it is not a PEM CRL). */
export async function readKeptCrl(pkiDir: string): Promise<Buffer | undefined> {
  const pem = await readIfExists(join(pkiDir, pkiPaths.crl), MAX_CRL_PEM_BYTES);
  const base64 = pem === undefined ? undefined : PEM_CRL.exec(pem)?.[1];
  return base64 === undefined ? undefined : Buffer.from(base64.replace(/\n/g, ""), "base64");
}

export const keptCrlWrite = (pkiDir: string, pem: string): AtomicWrite => publicWrite(join(pkiDir, pkiPaths.crl), pem);
