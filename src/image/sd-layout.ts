// The SD card image of one Raspberry Pi host, as a layout: an MBR, a FAT32 boot partition with
// Alpine's boot files and the host's overlay, and (unless the host keeps etcd's data on tmpfs)
// an empty ext4 data partition that the overlay's /etc/fstab finds by its label or UUID.
// Pure: the same inputs give the same layout, and so the same bytes.

import { createHash } from "node:crypto";
import type { BootFile } from "./alpine-boot-files.js";
import { layOutExt4 } from "./ext4.js";
import { layOutFat32, SECTOR } from "./fat32.js";
import { encodeMbr, PARTITION_TYPE, type MbrPartition } from "./mbr.js";
import { atOffset, type DiskRegion } from "./regions.js";

const MiB = 1024 * 1024;
/** 1 MiB: the alignment every partitioning tool uses (erase blocks of SD cards). */
export const BOOT_START_SECTOR = MiB / SECTOR;
/** Alpine's rpi release takes ~110 MiB: room for it, an upgrade beside it, and the overlay. */
export const BOOT_PARTITION_BYTES = 256 * MiB;
/** Five ext4 block groups; the whole image stays under 1 GiB, so it fits any card. */
export const DATA_PARTITION_BYTES = 640 * MiB;
export const BOOT_LABEL = "ALPINE";

export interface DataPartition {
  label: string;
  /** 16 bytes; from the spec's UUID= when it names one, else derived from the inputs. */
  uuid?: Uint8Array;
}

export interface SdImageRequest {
  bootFiles: BootFile[];
  /** The release's name, for messages about its files. */
  source: string;
  /** Inputs that decide every byte (release and overlay checksums, host name): the source of serials and UUIDs. */
  identity: string;
  data: DataPartition | undefined;
}

export interface SdImageLayout {
  totalBytes: number;
  regions: DiskRegion[];
  /** Where each boot file's bytes go, from the image's first byte. */
  fileOffsets: Map<string, number>;
  bootUsedBytes: number;
  bootCapacityBytes: number;
}

function derived(identity: string, purpose: string): Buffer {
  return createHash("sha256").update(`${purpose}\0${identity}`).digest();
}

/** A random-looking (version 4) UUID that is the same for the same inputs. */
function derivedUuid(identity: string): Uint8Array {
  const bytes = derived(identity, "ext4 uuid").subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return bytes;
}

export function layOutSdImage(request: SdImageRequest): SdImageLayout {
  const bootSectors = BOOT_PARTITION_BYTES / SECTOR;
  const dataStart = BOOT_START_SECTOR + bootSectors;
  const partitions: MbrPartition[] = [{ startSector: BOOT_START_SECTOR, sectors: bootSectors, type: PARTITION_TYPE.fat32Lba, bootable: true }];
  if (request.data) partitions.push({ startSector: dataStart, sectors: DATA_PARTITION_BYTES / SECTOR, type: PARTITION_TYPE.linux, bootable: false });

  const fat = layOutFat32({
    sectors: bootSectors,
    startSector: BOOT_START_SECTOR,
    label: BOOT_LABEL,
    serial: derived(request.identity, "fat serial").readUInt32LE(0),
    files: request.bootFiles.map((f) => ({ path: f.path.split("/"), size: f.size })),
    source: request.source,
  });
  const bootOffset = BOOT_START_SECTOR * SECTOR;
  const regions: DiskRegion[] = [{ offset: 0, bytes: encodeMbr(partitions, derived(request.identity, "disk signature").readUInt32LE(0)) }, ...atOffset(fat.regions, bootOffset)];
  if (request.data) {
    const ext4 = layOutExt4({ bytes: DATA_PARTITION_BYTES, label: request.data.label, uuid: request.data.uuid ?? derivedUuid(request.identity) });
    regions.push(...atOffset(ext4, dataStart * SECTOR));
  }
  const last = partitions[partitions.length - 1]!;
  return {
    totalBytes: (last.startSector + last.sectors) * SECTOR,
    regions: regions.sort((a, b) => a.offset - b.offset),
    fileOffsets: new Map([...fat.fileOffsets].map(([path, offset]) => [path, bootOffset + offset])),
    bootUsedBytes: fat.usedBytes,
    bootCapacityBytes: fat.capacityBytes,
  };
}
