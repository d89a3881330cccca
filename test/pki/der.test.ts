import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { namedBits, oid, readElement, readOid, readTime, time, tlv, unsignedInteger } from "../../src/pki/der.js";
import { encodeName, ipAddressBytes, readName } from "../../src/pki/names.js";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("DER", () => {
  test("lengths: short form below 128, long form from 128, and read back", () => {
    for (const [size, header] of [[0, "0400"], [127, "047f"], [128, "048180"], [255, "0481ff"], [256, "04820100"], [70000, "0483011170"]] as const) {
      const encoded = tlv(0x04, Buffer.alloc(size, 0xab));
      assert.equal(hex(encoded.subarray(0, header.length / 2)), header);
      const element = readElement(encoded);
      assert.equal(element.contents.length, size);
      assert.equal(element.encoded.length, encoded.length);
    }
    assert.throws(() => readElement(Buffer.from("0405abab", "hex")), /truncated/);
  });

  test("OBJECT IDENTIFIERs as openssl encodes them, and read back", () => {
    assert.equal(hex(oid("1.2.840.10045.4.3.2")), "06082a8648ce3d040302"); // ecdsa-with-SHA256
    assert.equal(hex(oid("2.5.29.17")), "0603551d11");
    for (const dotted of ["1.2.840.113549.1.1.11", "1.3.6.1.5.5.7.3.2", "2.5.4.3", "2.999.3"]) {
      assert.equal(readOid(readElement(oid(dotted))), dotted);
    }
  });

  test("INTEGERs are minimal and stay positive", () => {
    assert.equal(hex(unsignedInteger(Buffer.from([0x80]))), "02020080");
    assert.equal(hex(unsignedInteger(Buffer.from([0, 0, 0x7f]))), "02017f");
    assert.equal(hex(unsignedInteger(Buffer.from([0]))), "020100");
  });

  test("KeyUsage bits drop trailing zeros", () => {
    assert.equal(hex(namedBits([0])), "03020780"); // digitalSignature
    assert.equal(hex(namedBits([0, 2])), "030205a0"); // + keyEncipherment
    assert.equal(hex(namedBits([0, 5, 6])), "03020186"); // + keyCertSign, cRLSign
  });

  test("UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280), read back", () => {
    const last = new Date("2049-12-31T23:59:59Z");
    const first = new Date("2050-01-01T00:00:00Z");
    assert.equal(time(last).toString("latin1").slice(2), "491231235959Z");
    assert.equal(time(last)[0], 0x17);
    assert.equal(time(first).toString("latin1").slice(2), "20500101000000Z");
    assert.equal(time(first)[0], 0x18);
    for (const date of [last, first, new Date("1999-05-06T07:08:09Z")]) assert.deepEqual(readTime(readElement(time(date))), date);
  });
});

describe("names", () => {
  test("IP addresses as the bytes a certificate holds", () => {
    assert.equal(hex(ipAddressBytes("10.0.0.1")), "0a000001");
    assert.equal(hex(ipAddressBytes("fd00::1")), "fd000000000000000000000000000001");
    assert.equal(hex(ipAddressBytes("fd00:0:0::1")), hex(ipAddressBytes("fd00::1")));
    assert.equal(hex(ipAddressBytes("::")), "0".repeat(32));
    assert.equal(hex(ipAddressBytes("1::")), `0001${"0".repeat(28)}`);
    assert.equal(hex(ipAddressBytes("::ffff:10.0.0.1")), "00000000000000000000ffff0a000001");
    assert.equal(hex(ipAddressBytes("2001:db8:0:0:1:0:0:1")), "20010db8000000000001000000000001");
    assert.throws(() => ipAddressBytes("10.0.0.256"));
  });

  test("a Name reads back as written, whatever its characters", () => {
    const attributes = [
      { type: "C", value: "JP" },
      { type: "L", value: "東京" },
      { type: "O", value: "Zürich & Co" },
      { type: "CN", value: "etcd-1" },
    ];
    assert.deepEqual(readName(readElement(encodeName(attributes))), attributes);
  });
});
