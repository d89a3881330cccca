// An empty ext4 file system (root folder and lost+found), for etcd's data partition, laid out as
// byte regions: what mke2fs would write for `-t ext4 -O ^has_journal,^extent,...`, reduced to the
// features every ext4 driver and e2fsck know without any checksum: filetype, large_file and
// dir_nlink (the last one makes blkid and mount call it ext4 rather than ext2). No journal: the
// partition starts empty and etcd fsyncs its own writes (its WAL), and a journal is
// `tune2fs -O has_journal` away.
//
// Why our own: npm's ext2fs (balena) is libext2fs compiled to WebAssembly for reading and
// changing an existing file system, not for making one; this is ~150 lines, proven by
// e2fsck -fn, debugfs and blkid in test/integration/sd-image.test.ts.

import type { DiskRegion } from "./regions.js";
import { FIXED_EPOCH_SECONDS } from "./regions.js";

const BLOCK = 4096;
const BLOCKS_PER_GROUP = 8 * BLOCK; // one block of bitmap
const INODES_PER_GROUP = 8192; // one inode per 16 KiB, as mke2fs does by default
const INODE_SIZE = 128;
const INODE_TABLE_BLOCKS = (INODES_PER_GROUP * INODE_SIZE) / BLOCK;
const FIRST_INODE = 11; // 1-10 are reserved; 11 is lost+found
const ROOT_INODE = 2;
const GROUP_DESCRIPTOR = 32;
const FEATURE_INCOMPAT_FILETYPE = 0x2;
const FEATURE_RO_COMPAT_LARGE_FILE = 0x2;
const FEATURE_RO_COMPAT_DIR_NLINK = 0x20;
const FILE_TYPE_DIRECTORY = 2;
/** Superblock, group descriptors, block bitmap, inode bitmap, then the inode table: in every group (no sparse_super: simpler, 5 extra blocks per 128 MiB). */
const METADATA_BLOCKS = 4 + INODE_TABLE_BLOCKS;

export interface Ext4Request {
  bytes: number;
  /** At most 16 bytes. */
  label: string;
  /** 16 bytes. */
  uuid: Uint8Array;
}

export const MAX_EXT4_LABEL_BYTES = 16;

export function layOutExt4(request: Ext4Request): DiskRegion[] {
  const blocks = Math.floor(request.bytes / BLOCK);
  const groups = Math.ceil(blocks / BLOCKS_PER_GROUP);
  if (blocks - (groups - 1) * BLOCKS_PER_GROUP < METADATA_BLOCKS + 2 + 50)
    throw new Error(`an ext4 data partition of ${request.bytes} bytes leaves its last block group too small: choose a multiple of ${BLOCKS_PER_GROUP * BLOCK} bytes`);
  const groupStart = (group: number) => group * BLOCKS_PER_GROUP;
  const groupBlocks = (group: number) => Math.min(BLOCKS_PER_GROUP, blocks - groupStart(group));
  const rootBlock = METADATA_BLOCKS;
  const lostFoundBlock = METADATA_BLOCKS + 1;
  const usedIn = (group: number) => METADATA_BLOCKS + (group === 0 ? 2 : 0);

  const freeBlocks = Array.from({ length: groups }, (_, g) => groupBlocks(g) - usedIn(g));
  const freeInodes = Array.from({ length: groups }, (_, g) => INODES_PER_GROUP - (g === 0 ? FIRST_INODE : 0));
  const descriptors = Buffer.alloc(BLOCK);
  for (let g = 0; g < groups; g++) {
    const d = g * GROUP_DESCRIPTOR;
    descriptors.writeUInt32LE(groupStart(g) + 2, d);
    descriptors.writeUInt32LE(groupStart(g) + 3, d + 4);
    descriptors.writeUInt32LE(groupStart(g) + 4, d + 8);
    descriptors.writeUInt16LE(freeBlocks[g]!, d + 12);
    descriptors.writeUInt16LE(freeInodes[g]!, d + 14);
    descriptors.writeUInt16LE(g === 0 ? 2 : 0, d + 16);
  }

  const regions: DiskRegion[] = [];
  for (let g = 0; g < groups; g++) {
    const base = groupStart(g) * BLOCK;
    const superblock = encodeSuperblock({ blocks, groups, label: request.label, uuid: request.uuid, freeBlocks: sum(freeBlocks), freeInodes: sum(freeInodes), group: g });
    regions.push({ offset: base + (g === 0 ? 1024 : 0), bytes: superblock });
    regions.push({ offset: base + BLOCK, bytes: descriptors });
    regions.push({ offset: base + 2 * BLOCK, bytes: bitmap(usedIn(g), groupBlocks(g), BLOCKS_PER_GROUP) });
    regions.push({ offset: base + 3 * BLOCK, bytes: bitmap(g === 0 ? FIRST_INODE : 0, INODES_PER_GROUP, BLOCK * 8) });
  }
  const inodes = Buffer.alloc(FIRST_INODE * INODE_SIZE);
  inodes.set(directoryInode(0o755, 3, rootBlock), (ROOT_INODE - 1) * INODE_SIZE); // ".", ".." and lost+found's ".."
  inodes.set(directoryInode(0o700, 2, lostFoundBlock), (FIRST_INODE - 1) * INODE_SIZE);
  regions.push({ offset: 4 * BLOCK, bytes: inodes });
  regions.push({ offset: rootBlock * BLOCK, bytes: directoryBlock([[ROOT_INODE, "."], [ROOT_INODE, ".."], [FIRST_INODE, "lost+found"]]) });
  regions.push({ offset: lostFoundBlock * BLOCK, bytes: directoryBlock([[FIRST_INODE, "."], [ROOT_INODE, ".."]]) });
  return regions;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** The first `used` bits set, and every bit from `valid` on (past the group's end: never free). */
function bitmap(used: number, valid: number, bits: number): Buffer {
  const bytes = Buffer.alloc(bits / 8);
  for (let bit = 0; bit < bits; bit++) if (bit < used || bit >= valid) bytes[bit >> 3]! |= 1 << (bit & 7);
  return bytes;
}

function encodeSuperblock(fs: { blocks: number; groups: number; label: string; uuid: Uint8Array; freeBlocks: number; freeInodes: number; group: number }): Buffer {
  const sb = Buffer.alloc(1024);
  sb.writeUInt32LE(INODES_PER_GROUP * fs.groups, 0);
  sb.writeUInt32LE(fs.blocks, 4);
  sb.writeUInt32LE(Math.floor(fs.blocks / 20), 8); // 5% for root, as mke2fs
  sb.writeUInt32LE(fs.freeBlocks, 12);
  sb.writeUInt32LE(fs.freeInodes, 16);
  sb.writeUInt32LE(0, 20); // first data block: 0 with 4 KiB blocks
  sb.writeUInt32LE(2, 24); // 1024 << 2 = 4096
  sb.writeUInt32LE(2, 28);
  sb.writeUInt32LE(BLOCKS_PER_GROUP, 32);
  sb.writeUInt32LE(BLOCKS_PER_GROUP, 36);
  sb.writeUInt32LE(INODES_PER_GROUP, 40);
  sb.writeUInt32LE(FIXED_EPOCH_SECONDS, 48); // last written
  sb.writeInt16LE(-1, 54); // no forced check by mount count
  sb.writeUInt16LE(0xef53, 56);
  sb.writeUInt16LE(1, 58); // cleanly unmounted
  sb.writeUInt16LE(1, 60); // on errors: continue
  sb.writeUInt32LE(FIXED_EPOCH_SECONDS, 64); // last checked
  sb.writeUInt32LE(1, 76); // dynamic revision
  sb.writeUInt32LE(FIRST_INODE, 84);
  sb.writeUInt16LE(INODE_SIZE, 88);
  sb.writeUInt16LE(fs.group, 90);
  sb.writeUInt32LE(FEATURE_INCOMPAT_FILETYPE, 96);
  sb.writeUInt32LE(FEATURE_RO_COMPAT_LARGE_FILE | FEATURE_RO_COMPAT_DIR_NLINK, 100);
  sb.set(fs.uuid.subarray(0, 16), 104);
  sb.write(fs.label, 120, MAX_EXT4_LABEL_BYTES, "utf8");
  return sb;
}

function directoryInode(permissions: number, links: number, block: number): Buffer {
  const inode = Buffer.alloc(INODE_SIZE);
  inode.writeUInt16LE(0o040000 | permissions, 0);
  inode.writeUInt32LE(BLOCK, 4);
  for (const offset of [8, 12, 16]) inode.writeUInt32LE(FIXED_EPOCH_SECONDS, offset); // atime, ctime, mtime
  inode.writeUInt16LE(links, 26);
  inode.writeUInt32LE(BLOCK / 512, 28);
  inode.writeUInt32LE(block, 40);
  return inode;
}

/** One directory block; the last entry's record runs to the block's end, as ext4 requires. */
function directoryBlock(entries: [inode: number, name: string][]): Buffer {
  const block = Buffer.alloc(BLOCK);
  let offset = 0;
  entries.forEach(([inode, name], i) => {
    const length = i === entries.length - 1 ? BLOCK - offset : 8 + Math.ceil(name.length / 4) * 4;
    block.writeUInt32LE(inode, offset);
    block.writeUInt16LE(length, offset + 4);
    block[offset + 6] = name.length;
    block[offset + 7] = FILE_TYPE_DIRECTORY;
    block.write(name, offset + 8, "latin1");
    offset += length;
  });
  return block;
}
