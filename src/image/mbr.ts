// The master boot record: 512 bytes, four partition entries, LBA only. Our own rather than npm's
// `mbr` (which parses and edits one, with two more dependencies): encoding two entries is shorter
// than adapting it, and sfdisk -d reads it back in the tests.

import { SECTOR } from "./fat32.js";

export const PARTITION_TYPE = { fat32Lba: 0x0c, linux: 0x83 } as const;

export interface MbrPartition {
  startSector: number;
  sectors: number;
  type: number;
  bootable: boolean;
}

/** CHS fields are all-ones: every firmware and OS since the 1990s uses the LBA fields. */
const CHS_BEYOND = [0xfe, 0xff, 0xff];

export function encodeMbr(partitions: MbrPartition[], diskSignature: number): Buffer {
  if (partitions.length > 4) throw new Error("an MBR holds at most four primary partitions");
  const sector = Buffer.alloc(SECTOR);
  sector.writeUInt32LE(diskSignature >>> 0, 440);
  partitions.forEach((partition, i) => {
    const entry = 446 + i * 16;
    sector[entry] = partition.bootable ? 0x80 : 0x00;
    sector.set(CHS_BEYOND, entry + 1);
    sector[entry + 4] = partition.type;
    sector.set(CHS_BEYOND, entry + 5);
    sector.writeUInt32LE(partition.startSector, entry + 8);
    sector.writeUInt32LE(partition.sectors, entry + 12);
  });
  sector.set([0x55, 0xaa], 510);
  return sector;
}
