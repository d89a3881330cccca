// A FAT32 file system holding a known set of files, laid out in one go: boot sector, FSInfo,
// two FATs and the directories as byte regions, and where each file's bytes go. The file
// contents are not here: the caller streams them to the offsets this returns.
//
// Why our own: npm's FAT libraries (fatfs, and balena-image-fs on top of it) read and change an
// existing volume but cannot make one, and need a formatted disk to start from; a formatter of
// a fixed file set, contiguous files and no fragmentation, is this small. Proven by fsck.fat,
// mtools and blkid in test/unit/sd-image.test.ts.

import { UserError } from "../errors.js";
import { FIXED_FAT_DATE, type DiskRegion } from "./regions.js";

export const SECTOR = 512;
const RESERVED_SECTORS = 32;
const FAT_COUNT = 2;
const MIN_FAT32_CLUSTERS = 65525;
const DIR_ENTRY = 32;
const END_OF_CHAIN = 0x0fffffff;
const ATTR_DIRECTORY = 0x10;
const ATTR_ARCHIVE = 0x20;
const ATTR_VOLUME_ID = 0x08;
const ATTR_LONG_NAME = 0x0f;
const LFN_CHARS = 13;
/** Characters a short (8.3) name may hold besides A-Z and 0-9. */
const SHORT_NAME_EXTRA = "!#$%&'()-@^_`{}~";
/** Never valid in a FAT long name. */
const FORBIDDEN_IN_NAME = /["*/:<>?\\|\u0000-\u001f\u007f]/;

export interface FatFile {
  /** Path segments from the root, e.g. ["overlays", "disable-bt.dtbo"]. */
  path: string[];
  size: number;
}

export interface Fat32Request {
  /** Size of the volume in sectors. */
  sectors: number;
  /** The partition's first sector on the disk (the BPB's hidden sectors). */
  startSector: number;
  /** Up to 11 characters of the short-name alphabet. */
  label: string;
  serial: number;
  files: FatFile[];
  /** Where the files come from, for messages (e.g. the release tarball's name). */
  source: string;
}

export interface Fat32Layout {
  /** Boot sectors, FATs and directories, as offsets from the volume's first byte. */
  regions: DiskRegion[];
  /** Where each file's bytes begin, by path joined with "/" (absent for empty files). */
  fileOffsets: Map<string, number>;
  usedBytes: number;
  capacityBytes: number;
}

interface DirNode {
  name: string;
  dirs: Map<string, DirNode>;
  files: Map<string, FatFile>;
  firstCluster: number;
  clusters: number;
}

interface Geometry {
  sectorsPerCluster: number;
  fatSectors: number;
  clusterCount: number;
  dataStart: number;
}

/** The largest cluster (up to 4 KiB) that still leaves the 65525 clusters FAT32 needs. */
export function fat32Geometry(sectors: number): Geometry {
  for (const sectorsPerCluster of [8, 4, 2, 1]) {
    let fatSectors = 1;
    for (;;) {
      const clusterCount = Math.floor((sectors - RESERVED_SECTORS - FAT_COUNT * fatSectors) / sectorsPerCluster);
      const needed = Math.ceil(((clusterCount + 2) * 4) / SECTOR);
      if (needed <= fatSectors) {
        if (clusterCount >= MIN_FAT32_CLUSTERS) return { sectorsPerCluster, fatSectors, clusterCount, dataStart: RESERVED_SECTORS + FAT_COUNT * fatSectors };
        break;
      }
      fatSectors = needed;
    }
  }
  throw new Error(`${sectors} sectors are too few for a FAT32 volume`);
}

/** Refuses names FAT cannot hold; the path is named in the message. */
export function checkFatName(name: string, where: string): void {
  const why =
    name === "" || name === "." || name === ".."
      ? "is not a file name"
      : FORBIDDEN_IN_NAME.test(name)
        ? 'holds a character FAT cannot store (control characters or " * / : < > ? \\ |)'
        : /[. ]$/.test(name)
          ? "ends with a dot or a space, which FAT drops"
          : name.length > 255
            ? "is longer than the 255 characters FAT allows"
            : undefined;
  if (why !== undefined) throw new UserError(`${where}: the name ${JSON.stringify(name)} ${why}`);
}

function buildTree(files: FatFile[], source: string): DirNode {
  const root: DirNode = { name: "", dirs: new Map(), files: new Map(), firstCluster: 0, clusters: 0 };
  const seen = new Map<string, string>();
  for (const file of files) {
    let dir = root;
    file.path.forEach((segment, i) => {
      const where = `${source}: ${file.path.slice(0, i + 1).join("/")}`;
      checkFatName(segment, where);
      // FAT compares names without case: two names that differ only in case are one file.
      const key = file.path.slice(0, i + 1).join("/").toUpperCase();
      const last = i === file.path.length - 1;
      const kind = last ? "file" : "dir";
      const earlier = seen.get(key);
      if (earlier !== undefined && (earlier !== kind || last)) throw new UserError(`${where}: listed twice (FAT does not tell upper from lower case)`);
      seen.set(key, kind);
      if (last) dir.files.set(segment, file);
      else {
        let next = dir.dirs.get(segment);
        if (!next) dir.dirs.set(segment, (next = { name: segment, dirs: new Map(), files: new Map(), firstCluster: 0, clusters: 0 }));
        dir = next;
      }
    });
  }
  return root;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function isShortName(name: string): boolean {
  const valid = (part: string) => [...part].every((c) => /[A-Z0-9]/.test(c) || SHORT_NAME_EXTRA.includes(c));
  const dot = name.lastIndexOf(".");
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? "" : name.slice(dot + 1);
  return base.length >= 1 && base.length <= 8 && ext.length <= 3 && (dot < 0 || ext.length > 0) && valid(base) && valid(ext);
}

function shortPart(text: string): string {
  return [...text.toUpperCase()].filter((c) => c !== " " && c !== ".").map((c) => (/[A-Z0-9]/.test(c) || SHORT_NAME_EXTRA.includes(c) ? c : "_")).join("");
}

/** The 11 bytes of a short name; long names get a unique "BASE~N.EXT" alias in their folder. */
function shortNameFor(name: string, taken: Set<string>): { short: string; long: boolean } {
  // A name that fits 8.3 keeps it as its short name (bootcode.bin → BOOTCODE.BIN): the Pi 3's
  // boot ROM looks files up by their short names. Its case is kept in a long-name record.
  const upper = name.toUpperCase();
  if (isShortName(upper) && !taken.has(pad83(upper))) return { short: pad83(upper), long: upper !== name };
  const dot = name.lastIndexOf(".");
  const base = shortPart(dot > 0 ? name.slice(0, dot) : name) || "_";
  const ext = dot > 0 ? shortPart(name.slice(dot + 1)).slice(0, 3) : "";
  for (let n = 1; ; n++) {
    const tail = `~${n}`;
    const candidate = pad83(`${base.slice(0, 8 - tail.length)}${tail}${ext ? `.${ext}` : ""}`);
    if (!taken.has(candidate)) return { short: candidate, long: true };
  }
}

function pad83(name: string): string {
  const dot = name.lastIndexOf(".");
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? "" : name.slice(dot + 1);
  return base.padEnd(8, " ") + ext.padEnd(3, " ");
}

function shortNameChecksum(short: string): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + short.charCodeAt(i)) & 0xff;
  return sum;
}

interface Entry {
  name: string;
  isDir: boolean;
  size: number;
  /** Filled in when clusters are allocated. */
  cluster: () => number;
}

/** The 32-byte records of one folder's entries (long-name records first, then the short one). */
function encodeEntries(entries: Entry[]): Buffer[] {
  const taken = new Set<string>();
  const records: Buffer[] = [];
  for (const entry of entries) {
    const { short, long } = shortNameFor(entry.name, taken);
    taken.add(short);
    if (long) records.push(...longNameRecords(entry.name, shortNameChecksum(short)));
    records.push(shortRecord(short, entry.isDir ? ATTR_DIRECTORY : ATTR_ARCHIVE, entry.cluster(), entry.isDir ? 0 : entry.size));
  }
  return records;
}

function entryCount(entries: Entry[]): number {
  const taken = new Set<string>();
  let count = 0;
  for (const entry of entries) {
    const { short, long } = shortNameFor(entry.name, taken);
    taken.add(short);
    count += 1 + (long ? Math.ceil(entry.name.length / LFN_CHARS) : 0);
  }
  return count;
}

function longNameRecords(name: string, checksum: number): Buffer[] {
  const units: number[] = [];
  for (let i = 0; i < name.length; i++) units.push(name.charCodeAt(i)); // UTF-16 code units, as FAT stores them
  const parts = Math.ceil(units.length / LFN_CHARS);
  const records: Buffer[] = [];
  for (let part = parts; part >= 1; part--) {
    const chunk = units.slice((part - 1) * LFN_CHARS, part * LFN_CHARS);
    const chars = Array.from({ length: LFN_CHARS }, (_, i) => (i < chunk.length ? chunk[i]! : i === chunk.length ? 0x0000 : 0xffff));
    const record = Buffer.alloc(DIR_ENTRY);
    record[0] = part | (part === parts ? 0x40 : 0);
    const offsets = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];
    offsets.forEach((offset, i) => record.writeUInt16LE(chars[i]!, offset));
    record[11] = ATTR_LONG_NAME;
    record[13] = checksum;
    records.push(record);
  }
  return records;
}

function shortRecord(short: string, attributes: number, cluster: number, size: number): Buffer {
  const record = Buffer.alloc(DIR_ENTRY);
  record.write(short, 0, 11, "latin1");
  record[11] = attributes;
  record.writeUInt16LE(FIXED_FAT_DATE, 16); // created
  record.writeUInt16LE(FIXED_FAT_DATE, 18); // accessed
  record.writeUInt16LE(cluster >>> 16, 20);
  record.writeUInt16LE(FIXED_FAT_DATE, 24); // written (time 00:00:00 at 22)
  record.writeUInt16LE(cluster & 0xffff, 26);
  record.writeUInt32LE(size, 28);
  return record;
}

function childEntries(dir: DirNode, fileClusters: Map<FatFile, number>): Entry[] {
  const dirs = [...dir.dirs.values()].sort((a, b) => byName(a.name, b.name));
  const files = [...dir.files.entries()].sort(([a], [b]) => byName(a, b));
  return [
    ...dirs.map((d) => ({ name: d.name, isDir: true, size: 0, cluster: () => d.firstCluster })),
    ...files.map(([name, f]) => ({ name, isDir: false, size: f.size, cluster: () => fileClusters.get(f) ?? 0 })),
  ];
}

function walk(dir: DirNode, visit: (dir: DirNode, parent: DirNode | undefined) => void, parent?: DirNode): void {
  visit(dir, parent);
  for (const child of [...dir.dirs.values()].sort((a, b) => byName(a.name, b.name))) walk(child, visit, dir);
}

export function layOutFat32(request: Fat32Request): Fat32Layout {
  const geometry = fat32Geometry(request.sectors);
  const clusterBytes = geometry.sectorsPerCluster * SECTOR;
  const root = buildTree(request.files, request.source);
  const fileClusters = new Map<FatFile, number>();
  const fat = new Uint32Array(geometry.clusterCount + 2);
  fat[0] = 0x0ffffff8;
  fat[1] = END_OF_CHAIN;
  let next = 2;
  const allocate = (count: number): number => {
    if (count === 0) return 0;
    const first = next;
    if (first + count > geometry.clusterCount + 2) {
      throw new UserError(`${request.source}: the boot files need more than the boot partition's ${(geometry.clusterCount * clusterBytes) >> 20} MiB: use a smaller Alpine release`);
    }
    for (let c = first; c < first + count; c++) fat[c] = c === first + count - 1 ? END_OF_CHAIN : c + 1;
    next += count;
    return first;
  };

  // Folders first (root at cluster 2, as the BPB says), then files, each contiguous, in name order.
  walk(root, (dir, parent) => {
    const records = entryCount(childEntries(dir, fileClusters)) + (parent ? 2 : 1); // "." and "..", or the volume label
    dir.clusters = Math.max(1, Math.ceil((records * DIR_ENTRY) / clusterBytes));
    dir.firstCluster = allocate(dir.clusters);
  });
  const fileOffsets = new Map<string, number>();
  const dataOffset = (cluster: number) => (geometry.dataStart + (cluster - 2) * geometry.sectorsPerCluster) * SECTOR;
  for (const file of [...request.files].sort((a, b) => byName(a.path.join("/"), b.path.join("/")))) {
    const first = allocate(Math.ceil(file.size / clusterBytes));
    fileClusters.set(file, first);
    if (first !== 0) fileOffsets.set(file.path.join("/"), dataOffset(first));
  }

  const regions: DiskRegion[] = [];
  walk(root, (dir, parent) => {
    const head = parent
      ? [shortRecord(".".padEnd(11, " "), ATTR_DIRECTORY, dir.firstCluster, 0), shortRecord("..".padEnd(11, " "), ATTR_DIRECTORY, parent === root ? 0 : parent.firstCluster, 0)]
      : [shortRecord(request.label.padEnd(11, " "), ATTR_VOLUME_ID, 0, 0)];
    regions.push({ offset: dataOffset(dir.firstCluster), bytes: Buffer.concat([...head, ...encodeEntries(childEntries(dir, fileClusters))]) });
  });

  const used = next - 2;
  const fatBytes = Buffer.alloc(geometry.fatSectors * SECTOR);
  for (let c = 0; c < fat.length; c++) fatBytes.writeUInt32LE(fat[c]!, c * 4);
  for (let copy = 0; copy < FAT_COUNT; copy++) regions.push({ offset: (RESERVED_SECTORS + copy * geometry.fatSectors) * SECTOR, bytes: fatBytes });
  const boot = bootSector(request, geometry);
  const info = fsInfoSector(geometry.clusterCount - used, next);
  regions.push({ offset: 0, bytes: boot }, { offset: SECTOR, bytes: info }, { offset: 6 * SECTOR, bytes: boot }, { offset: 7 * SECTOR, bytes: info });
  return { regions, fileOffsets, usedBytes: used * clusterBytes, capacityBytes: geometry.clusterCount * clusterBytes };
}

function bootSector(request: Fat32Request, geometry: Geometry): Buffer {
  const sector = Buffer.alloc(SECTOR);
  sector.set([0xeb, 0x58, 0x90], 0);
  sector.write("ETCDBOOT", 3, 8, "latin1");
  sector.writeUInt16LE(SECTOR, 11);
  sector[13] = geometry.sectorsPerCluster;
  sector.writeUInt16LE(RESERVED_SECTORS, 14);
  sector[16] = FAT_COUNT;
  sector[21] = 0xf8; // fixed disk
  sector.writeUInt16LE(32, 24); // sectors per track and heads: nominal, unused with LBA
  sector.writeUInt16LE(64, 26);
  sector.writeUInt32LE(request.startSector, 28);
  sector.writeUInt32LE(request.sectors, 32);
  sector.writeUInt32LE(geometry.fatSectors, 36);
  sector.writeUInt32LE(2, 44); // root folder's cluster
  sector.writeUInt16LE(1, 48); // FSInfo sector
  sector.writeUInt16LE(6, 50); // backup boot sector
  sector[64] = 0x80;
  sector[66] = 0x29;
  sector.writeUInt32LE(request.serial >>> 0, 67);
  sector.write(request.label.padEnd(11, " "), 71, 11, "latin1");
  sector.write("FAT32   ", 82, 8, "latin1");
  sector.set([0xeb, 0xfe], 90); // no boot code: the Pi's firmware reads the files, not this sector
  sector.set([0x55, 0xaa], 510);
  return sector;
}

function fsInfoSector(freeClusters: number, nextFree: number): Buffer {
  const sector = Buffer.alloc(SECTOR);
  sector.writeUInt32LE(0x41615252, 0);
  sector.writeUInt32LE(0x61417272, 484);
  sector.writeUInt32LE(freeClusters, 488);
  sector.writeUInt32LE(nextFree, 492);
  sector.writeUInt32LE(0xaa550000, 508);
  return sector;
}
