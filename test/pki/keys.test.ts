import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { describe, test } from "node:test";
import { generateKeyPair, readKeyPair, signingKeyOf } from "../../src/pki/keys.js";
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
      const { pem } = await generateKeyPair(algorithm);
      assert.match(pem, /^-{5}BEGIN PRIVATE KEY-{5}\n[\s\S]+\n-{5}END PRIVATE KEY-{5}\n$/);
      const path = await writeTextFile(dir, "key.pem", pem);
      openssl("pkey", "-in", path, "-noout");
      assert.match(openssl("pkey", "-in", path, "-noout", "-text"), opensslSays);
      assert.equal(readKeyPair(pem).algorithm, algorithm);
    });

    test(`${algorithm}: the public key read back is the one made with it, and verifies its signatures`, async () => {
      const original = await generateKeyPair(algorithm);
      const read = readKeyPair(original.pem);
      assert.deepEqual(read.spki, original.spki);
      const data = Buffer.from("etcd");
      const signature = sign("sha256", data, signingKeyOf(original.pem));
      assert.equal(verify("sha256", data, createPublicKey({ key: original.spki, format: "der", type: "spki" }), signature), true);
    });
  }

  test("rsa-4096 keys are 4096 bits", async () => {
    const { pem } = await generateKeyPair("rsa-4096");
    assert.equal(readKeyPair(pem).algorithm, "rsa-4096");
  });

  test("keys written by other tools: SEC1 and PKCS#1 are understood, other curves are not ours", () => {
    const sec1 = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" });
    assert.match(sec1.toString(), /BEGIN EC PRIVATE KEY/);
    assert.equal(readKeyPair(sec1.toString()).algorithm, "ecdsa-p256");
    const pkcs1 = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" });
    assert.equal(readKeyPair(pkcs1.toString()).algorithm, "rsa-2048");
    const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey.export({ type: "pkcs8", format: "pem" });
    assert.equal(readKeyPair(p384.toString()).algorithm, undefined);
  });

  test("text that is no private key is refused", () => {
    assert.throws(() => readKeyPair("not a key"));
    const publicOnly = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" });
    assert.throws(() => readKeyPair(publicOnly.toString()));
  });
});
