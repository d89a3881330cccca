// Shared by the PKI tests: temporary folders, a fixed clock, and the real openssl as the judge.
// (node --test also loads this file as a test file; it defines no tests.)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { createCa, issueCertificate, readCertificate, type CertificateAuthority } from "../../src/pki/certificates.js";
import { generateKeyPair, signingKeyOf, type KeyPair } from "../../src/pki/keys.js";
import { subjectName, type LeafProfile } from "../../src/pki/profiles.js";
import type { KeyAlgorithm, PkiRequest, SubjectFields } from "../../src/pki/types.js";

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Whole seconds: certificate times have no fractions. */
export const FIXED_NOW = new Date("2025-03-01T12:00:00Z");

/** A new CA ("<cluster> etcd CA"), valid for ten years from FIXED_NOW. */
export async function makeCa(algorithm: KeyAlgorithm, subject: SubjectFields, cluster = "demo"): Promise<CertificateAuthority> {
  const key = await generateKeyPair(algorithm);
  const signingKey = signingKeyOf(key.pem);
  const pem = await createCa({ subject: subjectName(`${cluster} etcd CA`, subject), spki: key.spki, signingKey, now: FIXED_NOW, validityDays: 3650 });
  return { cert: readCertificate(pem), signingKey };
}

/** A new key and a certificate for it from the CA, valid for a year from FIXED_NOW. */
export async function makeLeaf(ca: CertificateAuthority, profile: LeafProfile, algorithm: KeyAlgorithm = "ecdsa-p256"): Promise<{ certPem: string; key: KeyPair }> {
  const key = await generateKeyPair(algorithm);
  const { pem: certPem } = await issueCertificate({ ca, profile, spki: key.spki, algorithm, now: FIXED_NOW, validityDays: 365 });
  return { certPem, key };
}

/** A fresh folder under the OS temp dir, removed when the test ends. Keys live only there. */
export async function temporaryDirectory(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "etcdboot-pki-test-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function writeTextFile(dir: string, name: string, contents: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, contents);
  return path;
}

export function pkiRequest(dir: string, overrides: Partial<PkiRequest> = {}): PkiRequest {
  return {
    dir,
    cluster: "demo",
    algorithm: "ecdsa-p256",
    subject: { C: "DE", O: "Acme" },
    validityDays: 365,
    caValidityDays: 3650,
    hosts: [
      { name: "etcd-1", dnsNames: ["etcd-1.example.com"], ipAddresses: ["10.0.0.1"] },
      { name: "etcd-2", dnsNames: ["etcd-2.example.com"], ipAddresses: ["10.0.0.2"] },
    ],
    clients: ["admin"],
    now: FIXED_NOW,
    replaceCa: false,
    ...overrides,
  };
}

/** Runs openssl and returns its stdout; throws (failing the test, never skipping it) when it fails or is missing. */
export function openssl(...args: string[]): string {
  try {
    return execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error("these tests need openssl on the PATH");
    throw error;
  }
}

/** Runs openssl expecting it may fail: its exit status and combined output. */
export function opensslStatus(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync("openssl", args, { encoding: "utf8" });
  if (result.error) throw new Error(`these tests need openssl on the PATH: ${result.error.message}`);
  return { status: result.status, output: result.stdout + result.stderr };
}

/** `openssl verify` at the injected clock (the certificates are dated by it, not by the machine's clock). */
export function verifyChain(caCertPath: string, certPath: string, at: Date = FIXED_NOW) {
  return opensslStatus("verify", "-attime", String(Math.floor(at.getTime() / 1000)), "-CAfile", caCertPath, certPath);
}

export interface PrintedExtension {
  critical: boolean;
  value: string;
}

/** The X.509v3 extensions as `openssl x509 -noout -text` prints them, by name ("Key Usage", ...). */
export function certificateExtensions(certPath: string): Map<string, PrintedExtension> {
  const text = openssl("x509", "-in", certPath, "-noout", "-text");
  const extensions = new Map<string, PrintedExtension>();
  const lines = text.split("\n");
  lines.forEach((line, index) => {
    const header = /^\s+X509v3 ([^:]+):( critical)?\s*$/.exec(line);
    if (header?.[1] === undefined) return;
    extensions.set(header[1], { critical: header[2] !== undefined, value: (lines[index + 1] ?? "").trim() });
  });
  return extensions;
}

export function certificateDates(certPath: string): { notBefore: Date; notAfter: Date } {
  const text = openssl("x509", "-in", certPath, "-noout", "-startdate", "-enddate", "-dateopt", "iso_8601");
  const field = (name: string) => {
    const value = new RegExp(`^${name}=(.+)$`, "m").exec(text)?.[1];
    if (value === undefined) throw new Error(`no ${name} in ${text}`);
    return new Date(value.replace(" ", "T"));
  };
  return { notBefore: field("notBefore"), notAfter: field("notAfter") };
}

export function certificateSubject(certPath: string): string {
  return openssl("x509", "-in", certPath, "-noout", "-subject").trim();
}

/** The public key in a certificate and the one derived from a private key, both as openssl prints them (PEM). */
export function publicKeyOfCertificate(certPath: string): string {
  return openssl("x509", "-in", certPath, "-noout", "-pubkey");
}

export function publicKeyOfPrivateKey(keyPath: string): string {
  return openssl("pkey", "-in", keyPath, "-pubout");
}
