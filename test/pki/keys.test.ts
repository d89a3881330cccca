import assert from "node:assert/strict";
import { generateKeyPairSync, webcrypto } from "node:crypto";
import { describe, test } from "node:test";
import { exportPrivateKeyPem, generateKeyPair, importKeyPair, keyAlgorithmOf } from "../../src/pki/keys.js";
import type { KeyAlgorithm } from "../../src/pki/types.js";
import { openssl, temporaryDirectory, writeTextFile } from "./helpers.js";

const expectedByOpenssl: [KeyAlgorithm, RegExp][] = [
  ["ecdsa-p256", /ASN1 OID: prime256v1/],
  ["rsa-2048", /Private-Key: \(2048 bit, 2 primes\)[\s\S]*publicExponent: 65537/],
];

describe("keys", () => {
  for (const [algorithm, opensslSays] of expectedByOpenssl) {
    test(`${algorithm}: unencrypted PKCS#8 PEM that openssl accepts`, async (t) => {
      const dir = await temporaryDirectory(t);
      const keys = await generateKeyPair(algorithm);
      const pem = await exportPrivateKeyPem(keys.privateKey);
      assert.match(pem, /^-{5}BEGIN PRIVATE KEY-{5}\n[\s\S]+\n-{5}END PRIVATE KEY-{5}\n$/);
      const path = await writeTextFile(dir, "key.pem", pem);
      openssl("pkey", "-in", path, "-noout");
      assert.match(openssl("pkey", "-in", path, "-noout", "-text"), opensslSays);
      assert.equal(keyAlgorithmOf(pem), algorithm);
    });

    test(`${algorithm}: imports back to the same key pair`, async () => {
      const original = await generateKeyPair(algorithm);
      const imported = await importKeyPair(await exportPrivateKeyPem(original.privateKey), algorithm);
      const spki = async (key: webcrypto.CryptoKey) => Buffer.from(await webcrypto.subtle.exportKey("spki", key));
      assert.deepEqual(await spki(imported.publicKey), await spki(original.publicKey));
      const params = { name: imported.privateKey.algorithm.name, hash: "SHA-256" };
      const data = new TextEncoder().encode("etcd");
      const signature = await webcrypto.subtle.sign(params, imported.privateKey, data);
      assert.equal(await webcrypto.subtle.verify(params, original.publicKey, signature, data), true);
    });
  }

  test("rsa-4096 keys are 4096 bits", async () => {
    const keys = await generateKeyPair("rsa-4096");
    assert.equal(keyAlgorithmOf(await exportPrivateKeyPem(keys.privateKey)), "rsa-4096");
  });

  test("keys written by other tools: SEC1 and PKCS#1 are understood, other curves are not ours", () => {
    const sec1 = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" });
    assert.match(sec1.toString(), /BEGIN EC PRIVATE KEY/);
    assert.equal(keyAlgorithmOf(sec1.toString()), "ecdsa-p256");
    const pkcs1 = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" });
    assert.equal(keyAlgorithmOf(pkcs1.toString()), "rsa-2048");
    const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey.export({ type: "pkcs8", format: "pem" });
    assert.equal(keyAlgorithmOf(p384.toString()), undefined);
  });

  test("text that is no private key is refused", async () => {
    assert.throws(() => keyAlgorithmOf("not a key"));
    const ecdsa = await exportPrivateKeyPem((await generateKeyPair("ecdsa-p256")).privateKey);
    await assert.rejects(importKeyPair(ecdsa, "rsa-2048"), /expected a rsa-2048 key/);
  });
});
