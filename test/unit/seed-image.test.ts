// The ISO 9660 writer's own rules and the seed image's reproducibility, without external tools
// (test/integration/seed-image.test.ts has independent readers judge the images themselves).

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { encodeSeedImage } from "../../src/encoders/seed-image.js";
import { level1Identifier, writeIso9660, type IsoFile } from "../../src/media/iso9660.js";

const SECTOR = 2048;
const CLOUD_INIT = { "user-data": "#cloud-config\nhostname: vm-1\n", "meta-data": "instance-id: lab-vm-1-0123456789ab\nlocal-hostname: vm-1\n" };

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const volume = (files: IsoFile[]) => ({ volumeId: "cidata", applicationId: "ETCDBOOT", date: new Date("2025-01-02T03:04:05Z"), files });
const file = (name: string, text = "x\n"): IsoFile => ({ name, content: Buffer.from(text), mode: 0o444 });

test("level 1 identifiers: 8.3 upper-case d-characters and version 1", () => {
  assert.equal(level1Identifier("user-data"), "USER_DAT.;1");
  assert.equal(level1Identifier("meta-data"), "META_DAT.;1");
  assert.equal(level1Identifier("network-config"), "NETWORK_.;1");
  assert.equal(level1Identifier("vendor.data.yaml"), "VENDOR_D.YAM;1", "the last dot separates the extension");
  assert.equal(level1Identifier(".hidden"), "_HIDDEN.;1", "a leading dot is no extension");
  assert.equal(level1Identifier("été"), "_T_.;1", "outside A-Z, 0-9 and _ becomes _");
});

test("names the writer cannot record are refused, never written ambiguous", () => {
  assert.throws(() => writeIso9660(volume([file("user-data"), file("USER-DATA")])), /two files map to the level 1 name USER_DAT\.;1/);
  for (const name of ["", "a/b", "a;1", "what?", "tab\there", "ünicode", "x".repeat(65)]) {
    assert.throws(() => writeIso9660(volume([file(name)])), /unsupported file name/, JSON.stringify(name));
  }
  assert.doesNotThrow(() => writeIso9660(volume([file("x".repeat(64))])), "64 characters is Joliet's limit, allowed");
});

test("the image: whole sectors, descriptors at 16 (primary), 17 (Joliet), 18 (terminator), the volume size recorded", () => {
  const image = writeIso9660(volume([file("user-data", "u".repeat(5000)), file("meta-data")]));
  assert.equal(image.length % SECTOR, 0);
  assert.ok(image.subarray(0, 16 * SECTOR).every((b) => b === 0), "the system area is zeros");
  const descriptor = (n: number) => Buffer.from(image.subarray((16 + n) * SECTOR, (17 + n) * SECTOR));
  assert.deepEqual([0, 1, 2].map((n) => [descriptor(n)[0], descriptor(n).toString("latin1", 1, 6)]), [[1, "CD001"], [2, "CD001"], [255, "CD001"]]);
  assert.equal(descriptor(0).readUInt32LE(80), image.length / SECTOR);
  assert.equal(descriptor(0).readUInt32BE(84), image.length / SECTOR, "both-endian");
  assert.equal(descriptor(0).toString("latin1", 40, 46), "cidata");
  assert.equal(Buffer.from(descriptor(1).subarray(40, 52)).swap16().toString("utf16le"), "cidata", "Joliet's label, UCS-2 big-endian");
  assert.equal(descriptor(1).toString("latin1", 88, 91), "%/E", "Joliet UCS-2 level 3");
  assert.equal(descriptor(0).toString("latin1", 813, 829), "2025010203040500", "the creation date, as given");
});

test("seed image: the same files give the same bytes; other content, other bytes and other volume dates (blkid's UUID)", () => {
  const first = encodeSeedImage(CLOUD_INIT, "user-data");
  assert.equal(sha256(encodeSeedImage({ ...CLOUD_INIT }, "user-data")), sha256(first));
  const changed = encodeSeedImage({ ...CLOUD_INIT, "user-data": `${CLOUD_INIT["user-data"]}# changed\n` }, "user-data");
  assert.notEqual(sha256(changed), sha256(first));
  const date = (image: Uint8Array) => Buffer.from(image).toString("latin1", 16 * SECTOR + 813, 16 * SECTOR + 829);
  assert.notEqual(date(changed), date(first));
  assert.match(date(first), /^202\d{11}00$/u, "a date between 2020 and 2029");
});

test("seed image: holds each file's bytes at a sector boundary; network-config only when there is one", () => {
  const withNetwork = { ...CLOUD_INIT, "network-config": "version: 2\n" };
  for (const files of [CLOUD_INIT, withNetwork]) {
    const image = Buffer.from(encodeSeedImage(files, "user-data"));
    for (const [name, text] of Object.entries(files)) {
      const at = image.indexOf(Buffer.from(text));
      assert.ok(at > 0 && at % SECTOR === 0, `${name} starts a sector`);
    }
    assert.equal(image.includes(Buffer.from("NETWORK_.;1")), "network-config" in files);
  }
});
