// Key pairs for the KeyAlgorithms etcdboot offers, and their PEM form (unencrypted PKCS#8).
import { createPrivateKey, createPublicKey, webcrypto, type KeyObject } from "node:crypto";
import type { KeyAlgorithm } from "./types.js";
import { x509 } from "./x509.js";

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** All signatures made by etcdboot use SHA-256 (ECDSA or RSASSA-PKCS1-v1_5). */
const SIGNATURE_HASH = "SHA-256";
const RSA_EXPONENT_65537 = new Uint8Array([0x01, 0x00, 0x01]);

const ecdsaP256: webcrypto.EcKeyImportParams = { name: "ECDSA", namedCurve: "P-256" };
const rsaPkcs1Sha256: webcrypto.RsaHashedImportParams = { name: "RSASSA-PKCS1-v1_5", hash: SIGNATURE_HASH };

function importParams(algorithm: KeyAlgorithm): webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams {
  return algorithm === "ecdsa-p256" ? ecdsaP256 : rsaPkcs1Sha256;
}

function rsaModulusLength(algorithm: "rsa-2048" | "rsa-4096"): number {
  return algorithm === "rsa-2048" ? 2048 : 4096;
}

export async function generateKeyPair(algorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
  // Extractable, so the private key can be written out as PKCS#8.
  const usages: webcrypto.KeyUsage[] = ["sign", "verify"];
  if (algorithm === "ecdsa-p256") return webcrypto.subtle.generateKey(ecdsaP256, true, usages);
  return webcrypto.subtle.generateKey(
    { ...rsaPkcs1Sha256, modulusLength: rsaModulusLength(algorithm), publicExponent: RSA_EXPONENT_65537 },
    true,
    usages,
  );
}

export async function exportPrivateKeyPem(privateKey: CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", privateKey);
  return `${x509.PemConverter.encode(pkcs8, "PRIVATE KEY")}\n`;
}

/**
 * The KeyAlgorithm of a PEM private key, or undefined when it is none of ours (say P-384 or
 * Ed25519). Accepts PKCS#8 and the PKCS#1 / SEC1 files older tools (cfssl, openssl) write.
 * Throws when the text is not an unencrypted private key.
 */
export function keyAlgorithmOf(privateKeyPem: string): KeyAlgorithm | undefined {
  return keyAlgorithmOfKeyObject(createPrivateKey(privateKeyPem));
}

function keyAlgorithmOfKeyObject(key: KeyObject): KeyAlgorithm | undefined {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === "ec" && details?.namedCurve === "prime256v1") return "ecdsa-p256";
  if (key.asymmetricKeyType === "rsa" && details?.modulusLength === 2048) return "rsa-2048";
  if (key.asymmetricKeyType === "rsa" && details?.modulusLength === 4096) return "rsa-4096";
  return undefined;
}

/** Imports a PEM private key of a known algorithm as a WebCrypto key pair (the public half is derived). */
export async function importKeyPair(privateKeyPem: string, algorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
  const privateKeyObject = createPrivateKey(privateKeyPem);
  const actual = keyAlgorithmOfKeyObject(privateKeyObject);
  if (actual !== algorithm) throw new Error(`expected a ${algorithm} key, found ${actual ?? "an unsupported key"}`);
  const pkcs8 = privateKeyObject.export({ type: "pkcs8", format: "der" });
  const spki = createPublicKey(privateKeyObject).export({ type: "spki", format: "der" });
  const params = importParams(algorithm);
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey("pkcs8", pkcs8, params, true, ["sign"]),
    webcrypto.subtle.importKey("spki", spki, params, true, ["verify"]),
  ]);
  return { privateKey, publicKey };
}

/** DER SubjectPublicKeyInfo of the public half of a PEM private key (any algorithm). */
export function publicKeySpkiOf(privateKeyPem: string): Buffer {
  return createPublicKey(createPrivateKey(privateKeyPem)).export({ type: "spki", format: "der" });
}

/** The signature algorithm a key signs certificates with. */
export function signingAlgorithmFor(signingKey: CryptoKey): webcrypto.EcdsaParams {
  return { name: signingKey.algorithm.name, hash: SIGNATURE_HASH };
}

export function isRsaKey(key: CryptoKey): boolean {
  return key.algorithm.name === "RSASSA-PKCS1-v1_5";
}
