import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AsnConvert } from "@peculiar/asn1-schema";
import { GeneralNames, Name } from "@peculiar/asn1-x509";
import { encodeGeneralNames, encodeName, generalNameKeys, ipAddressBytes, readName, wantedGeneralNameKeys } from "../../src/pki/names.js";

const hex = (bytes: Uint8Array | ArrayBuffer) => Buffer.from(bytes as ArrayBuffer).toString("hex");

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

  test("subject alternative names: every IP form encodes to its bytes, and reads back as the spec's names", () => {
    const wanted = { dnsNames: ["etcd-1", "etcd-1.example.com"], ipAddresses: ["10.0.0.1", "::ffff:10.0.0.2", "fd00::1", "::", "1::"] };
    const encoded = Buffer.from(AsnConvert.serialize(new GeneralNames(encodeGeneralNames(wanted))));
    const read = AsnConvert.parse(encoded, GeneralNames);
    assert.deepEqual(generalNameKeys(read), wantedGeneralNameKeys(wanted));
    // dNSName [2] and iPAddress [7] with the address's 4 or 16 bytes
    assert.ok(encoded.includes(Buffer.from(`8710${"0".repeat(20)}ffff0a000002`, "hex")));
    assert.ok(encoded.includes(Buffer.from("87040a000001", "hex")));
  });

  test("a Name reads back as written, whatever its characters; C is a PrintableString", () => {
    const attributes = [
      { type: "C", value: "JP" },
      { type: "L", value: "東京" },
      { type: "O", value: "Zürich & Co" },
      { type: "CN", value: "etcd-1" },
    ];
    const encoded = Buffer.from(AsnConvert.serialize(encodeName(attributes)));
    assert.deepEqual(readName(AsnConvert.parse(encoded, Name)), attributes);
    assert.ok(encoded.includes(Buffer.from("06035504061302", "hex")), "countryName, then a PrintableString (0x13) of 2 characters");
  });
});
