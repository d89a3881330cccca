// cloud-init files → a NoCloud seed image (seed.iso): an ISO 9660 volume labelled "cidata" that
// any hypervisor attaches as a CD-ROM and cloud-init's NoCloud source reads at first boot.
// Pure and reproducible: the same files give the same bytes.

import { createHash } from "node:crypto";
import { writeIso9660 } from "../media/iso9660.js";
import type { CloudInitFiles } from "./cloud-init.js";

export const SEED_IMAGE = "seed.iso";

/** The label cloud-init's NoCloud source looks for (it also accepts CIDATA; cloud-localds writes this). */
const NOCLOUD_LABEL = "cidata";

/** The carrier of the host key is readable by root only; cloud-init reads the seed as root. */
const SECRET_MODE = 0o400;
const PUBLIC_MODE = 0o444;

/**
 * The volume dates, from the content: blkid and udev turn an ISO's dates into its UUID
 * (/dev/disk/by-uuid), so distinct seeds get distinct UUIDs while an unchanged seed keeps every
 * byte. A second within 2020-01-01 + 2^28 s (about eight years).
 */
function contentDate(files: [string, string][]): Date {
  const hash = createHash("sha256");
  for (const [name, content] of files) hash.update(`${name}\0${Buffer.byteLength(content)}\0`).update(content);
  const seconds = hash.digest().readUInt32BE(0) >>> 4;
  return new Date(Date.UTC(2020, 0, 1) + seconds * 1000);
}

/** `secretFile` names the file that holds a key (user-data), or none. */
export function encodeSeedImage(cloudInit: CloudInitFiles, secretFile: string | undefined): Uint8Array {
  const files = Object.entries(cloudInit).filter((entry): entry is [string, string] => typeof entry[1] === "string");
  return writeIso9660({
    volumeId: NOCLOUD_LABEL,
    applicationId: "ETCDBOOT",
    date: contentDate(files),
    files: files.map(([name, content]) => ({ name, content: Buffer.from(content, "utf8"), mode: name === secretFile ? SECRET_MODE : PUBLIC_MODE })),
  });
}
