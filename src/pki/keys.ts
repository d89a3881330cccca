// Key pairs for the KeyAlgorithms etcdboot offers, as PEM text (unencrypted PKCS#8) plus the
// public half in DER (SubjectPublicKeyInfo), which is what a certificate carries.
import { createPrivateKey, createPublicKey, generateKeyPair as generateNodeKeyPair, type KeyObject } from "node:crypto";
import type { KeyAlgorithm } from "./types.js";

export interface KeyPair {
  /** The private key as found on disk or as made: PEM. */
  pem: string;
  /** undefined: a key type etcdboot does not make (say P-384 or Ed25519). */
  algorithm: KeyAlgorithm | undefined;
  /** DER SubjectPublicKeyInfo of the public half. */
  spki: Buffer;
}

const PKCS8_PEM = { type: "pkcs8", format: "pem" } as const;
const SPKI_DER = { type: "spki", format: "der" } as const;

/**
 * A new key pair. OpenSSL makes and encodes it on libuv's thread pool, so the keys of many
 * hosts are made on every core at once (RSA key generation is the slowest step of a build).
 */
export async function generateKeyPair(algorithm: KeyAlgorithm): Promise<KeyPair & { algorithm: KeyAlgorithm }> {
  const encodings = { privateKeyEncoding: PKCS8_PEM, publicKeyEncoding: SPKI_DER };
  const { pem, spki } = await new Promise<{ pem: string; spki: Buffer }>((resolve, reject) => {
    const done = (error: Error | null, spki: Buffer, pem: string) => (error ? reject(error) : resolve({ pem, spki }));
    if (algorithm === "ecdsa-p256") generateNodeKeyPair("ec", { namedCurve: "P-256", ...encodings }, done);
    else generateNodeKeyPair("rsa", { modulusLength: algorithm === "rsa-2048" ? 2048 : 4096, publicExponent: 0x10001, ...encodings }, done);
  });
  return { pem, algorithm, spki };
}

/**
 * Reads a PEM private key: PKCS#8, or the PKCS#1 / SEC1 files older tools (cfssl, openssl)
 * write. Throws when the text is not an unencrypted private key.
 */
export function readKeyPair(pem: string): KeyPair {
  const key = createPrivateKey(pem);
  return { pem, algorithm: keyAlgorithmOfKeyObject(key), spki: createPublicKey(key).export(SPKI_DER) };
}

function keyAlgorithmOfKeyObject(key: KeyObject): KeyAlgorithm | undefined {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === "ec" && details?.namedCurve === "prime256v1") return "ecdsa-p256";
  if (key.asymmetricKeyType === "rsa" && details?.modulusLength === 2048) return "rsa-2048";
  if (key.asymmetricKeyType === "rsa" && details?.modulusLength === 4096) return "rsa-4096";
  return undefined;
}

/** The key a CA signs with. */
export function signingKeyOf(pem: string): KeyObject {
  return createPrivateKey(pem);
}

export function isRsa(algorithm: KeyAlgorithm | undefined): boolean {
  return algorithm === "rsa-2048" || algorithm === "rsa-4096";
}
