// A small ISO 9660 (ECMA-119) image writer: one root directory of regular files, named three
// ways so every reader finds the real names — a level 1 identifier (USER_DAT.;1) for the bare
// standard, Rock Ridge (SUSP SP/CE/RR/PX/NM, with the RRIP_1991A ER) for Linux and xorriso, and
// a Joliet tree (UCS-2) for Windows, macOS and the hypervisors' ISO readers. Both trees point at
// the same file extents. Pure: the image is computed into one buffer allocated once.
//
// Layout, in 2048-byte sectors:
//   0–15 system area (zeros) | 16 primary VD | 17 Joliet SVD | 18 terminator
//   19–22 path tables: L and M for each tree | root directories | SUSP continuation (ER) | file data

const SECTOR = 2048;
const SYSTEM_AREA_SECTORS = 16;
/** One tree's directory record may hold at most this many bytes (its length is one byte, even). */
const MAX_RECORD = 254;
/** Joliet allows 64 UCS-2 characters per name. */
const MAX_JOLIET_NAME = 64;
/** Characters Joliet names may not hold (besides controls): its separators and wildcards. */
const JOLIET_FORBIDDEN = /[\u0000-\u001f*/:;?\\]/u;

export interface IsoFile {
  /** The real name (Rock Ridge and Joliet); the level 1 identifier is derived from it. */
  name: string;
  content: Uint8Array;
  /** Unix permission bits, recorded by Rock Ridge (a read-only medium: write bits mean nothing). */
  mode: number;
}

export interface IsoVolume {
  /** Up to 16 characters (Joliet's limit); seeds use lower case "cidata" like cloud-localds. */
  volumeId: string;
  applicationId: string;
  /** Recorded as every creation and modification date (so: fixed by the caller for reproducible images). */
  date: Date;
  files: IsoFile[];
}

const RRIP_ID = "RRIP_1991A";
const RRIP_DESCRIPTION = "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
const RRIP_SOURCE = "PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.";

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const DIRECTORY_MODE = S_IFDIR | 0o555;
const FLAG_DIRECTORY = 0x02;
/** RRIP 1.09 "RR" flags: which entries follow (Linux ignores names unless NM is flagged). */
const RR_PX = 0x01;
const RR_NM = 0x08;

// ---- byte helpers -------------------------------------------------------------------------

/** ECMA-119's "both-byte orders" numbers: little-endian, then the same big-endian. */
function bothEndian(value: number, width: 2 | 4): Uint8Array {
  const bytes = Buffer.allocUnsafe(width * 2);
  if (width === 4) {
    bytes.writeUInt32LE(value, 0);
    bytes.writeUInt32BE(value, 4);
  } else {
    bytes.writeUInt16LE(value, 0);
    bytes.writeUInt16BE(value, 2);
  }
  return bytes;
}
const bothEndian32 = (value: number) => bothEndian(value, 4);
const bothEndian16 = (value: number) => bothEndian(value, 2);

// Buffer's own encoders: a seed image has hundreds of small fields, and per-character callbacks
// made writing it cost a millisecond per host.
function ascii(text: string): Uint8Array {
  return Buffer.from(text, "latin1");
}

/** UCS-2 big-endian, as Joliet records names. */
function ucs2(text: string): Uint8Array {
  return Buffer.from(text, "utf16le").swap16();
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) (out.set(part, at), (at += part.length));
  return out;
}

const UCS2_SPACE = Uint8Array.of(0x00, 0x20);

/** A fixed-width text field, padded with spaces (in the field's own encoding). */
function padded(text: string, width: number, joliet: boolean): Uint8Array {
  const field = joliet ? Buffer.alloc(width, UCS2_SPACE) : Buffer.alloc(width, 0x20);
  const encoded = joliet ? ucs2(text) : ascii(text);
  field.set(encoded.subarray(0, width));
  return field;
}

const two = (n: number) => String(n).padStart(2, "0");

/** The 7-byte date of a directory record (UTC). */
function recordDate(date: Date): Uint8Array {
  return Uint8Array.of(date.getUTCFullYear() - 1900, date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), 0);
}

/** The 17-byte date of a volume descriptor: 16 digits and a zero offset from UTC; none is all zero digits. */
function volumeDate(date: Date | undefined): Uint8Array {
  if (!date) return concat([ascii("0".repeat(16)), Uint8Array.of(0)]);
  const digits = `${date.getUTCFullYear()}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}00`;
  return concat([ascii(digits), Uint8Array.of(0)]);
}

// ---- names --------------------------------------------------------------------------------

/** ISO 9660 level 1: at most 8 d-characters, a dot, at most 3, and the version ";1". */
export function level1Identifier(name: string): string {
  const dChars = (part: string, width: number) => part.toUpperCase().replace(/[^A-Z0-9_]/gu, "_").slice(0, width);
  const dot = name.lastIndexOf(".");
  const [base, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot + 1)] : [name, ""];
  return `${dChars(base, 8)}.${dChars(extension, 3)};1`;
}

function checkNames(files: IsoFile[]): void {
  const seen = new Set<string>();
  for (const { name } of files) {
    // The callers name their files themselves: a bad name is a bug, not a user's input.
    if (name.length === 0 || name.length > MAX_JOLIET_NAME || JOLIET_FORBIDDEN.test(name) || /[^\u0020-\u007e]/u.test(name)) throw new Error(`ISO 9660 writer: unsupported file name ${JSON.stringify(name)}`);
    const identifier = level1Identifier(name);
    if (seen.has(identifier)) throw new Error(`ISO 9660 writer: two files map to the level 1 name ${identifier}`);
    seen.add(identifier);
  }
}

// ---- SUSP / Rock Ridge entries ------------------------------------------------------------

function suspEntry(signature: string, body: Uint8Array): Uint8Array {
  return concat([ascii(signature), Uint8Array.of(4 + body.length, 1), body]);
}

const spEntry = () => suspEntry("SP", Uint8Array.of(0xbe, 0xef, 0));
const rrEntry = (flags: number) => suspEntry("RR", Uint8Array.of(flags));
const pxEntry = (mode: number, links: number) => suspEntry("PX", concat([bothEndian32(mode), bothEndian32(links), bothEndian32(0), bothEndian32(0)]));
const nmEntry = (name: string) => suspEntry("NM", concat([Uint8Array.of(0), ascii(name)]));
const ceEntry = (sector: number, length: number) => suspEntry("CE", concat([bothEndian32(sector), bothEndian32(0), bothEndian32(length)]));

function erEntry(): Uint8Array {
  const [id, description, source] = [RRIP_ID, RRIP_DESCRIPTION, RRIP_SOURCE].map(ascii) as [Uint8Array, Uint8Array, Uint8Array];
  return suspEntry("ER", concat([Uint8Array.of(id.length, description.length, source.length, 1), id, description, source]));
}

// ---- records and tables -------------------------------------------------------------------

interface Extent {
  sector: number;
  bytes: number;
}

function directoryRecord(identifier: Uint8Array, extent: Extent, flags: number, date: Date, systemUse: Uint8Array = new Uint8Array(0)): Uint8Array {
  const padding = identifier.length % 2 === 0 ? 1 : 0; // keeps the system use field at an even offset
  const length = 33 + identifier.length + padding + systemUse.length;
  if (length > MAX_RECORD) throw new Error(`ISO 9660 writer: a directory record of ${length} bytes`);
  return concat([
    Uint8Array.of(length, 0),
    bothEndian32(extent.sector),
    bothEndian32(extent.bytes),
    recordDate(date),
    Uint8Array.of(flags, 0, 0),
    bothEndian16(1),
    Uint8Array.of(identifier.length),
    identifier,
    new Uint8Array(padding),
    systemUse,
  ]);
}

/** The one-entry path table of a volume with only a root directory, little- or big-endian. */
function rootPathTable(rootSector: number, littleEndian: boolean): Uint8Array {
  const record = new Uint8Array(10);
  const view = new DataView(record.buffer);
  record[0] = 1; // identifier length: the root's is the single byte 0
  view.setUint32(2, rootSector, littleEndian);
  view.setUint16(6, 1, littleEndian); // its parent is itself, directory number 1
  return record;
}

/** Records packed into sectors: none may cross a sector boundary. Returns the bytes, whole sectors. */
function directoryExtent(records: Uint8Array[]): Uint8Array {
  const placed: Uint8Array[] = [];
  let used = 0;
  for (const record of records) {
    const room = SECTOR - (used % SECTOR);
    if (record.length > room) (placed.push(new Uint8Array(room)), (used += room));
    placed.push(record);
    used += record.length;
  }
  return concat([...placed, new Uint8Array((SECTOR - (used % SECTOR)) % SECTOR)]);
}

const sectorsFor = (bytes: number) => Math.ceil(bytes / SECTOR);

interface Tree {
  joliet: boolean;
  /** The file records' identifiers, in the volume's file order. */
  identifiers: Uint8Array[];
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return a.length - b.length;
}

/** A tree's root directory: ".", "..", then the files ordered by identifier as ECMA-119 9.3 asks. */
function rootDirectory(tree: Tree, files: IsoFile[], fileExtents: Extent[], self: Extent, continuation: Extent, date: Date): Uint8Array {
  const rockRidge = !tree.joliet;
  const dot = rockRidge ? concat([spEntry(), rrEntry(RR_PX), pxEntry(DIRECTORY_MODE, 2), ceEntry(continuation.sector, continuation.bytes)]) : undefined;
  const dotDot = rockRidge ? concat([rrEntry(RR_PX), pxEntry(DIRECTORY_MODE, 2)]) : undefined;
  const entries = files.map((file, i) => ({
    identifier: tree.identifiers[i] ?? new Uint8Array(0),
    extent: fileExtents[i] ?? { sector: 0, bytes: 0 },
    systemUse: rockRidge ? concat([rrEntry(RR_PX | RR_NM), pxEntry(S_IFREG | (file.mode & 0o7777), 1), nmEntry(file.name)]) : undefined,
  }));
  entries.sort((a, b) => compareBytes(a.identifier, b.identifier));
  return directoryExtent([
    directoryRecord(Uint8Array.of(0), self, FLAG_DIRECTORY, date, dot),
    directoryRecord(Uint8Array.of(1), self, FLAG_DIRECTORY, date, dotDot),
    ...entries.map((e) => directoryRecord(e.identifier, e.extent, 0, date, e.systemUse)),
  ]);
}

interface DescriptorLayout {
  volumeSectors: number;
  pathTable: { bytes: number; lSector: number; mSector: number };
  root: Extent;
}

function volumeDescriptor(volume: IsoVolume, joliet: boolean, layout: DescriptorLayout): Uint8Array {
  const d = new Uint8Array(SECTOR);
  d[0] = joliet ? 2 : 1;
  d.set(ascii("CD001"), 1);
  d[6] = 1;
  d.set(padded("", 32, joliet), 8); // system identifier
  d.set(padded(volume.volumeId, 32, joliet), 40);
  d.set(bothEndian32(layout.volumeSectors), 80);
  if (joliet) d.set(ascii("%/E"), 88); // UCS-2 level 3
  d.set(bothEndian16(1), 120); // volume set size
  d.set(bothEndian16(1), 124); // volume sequence number
  d.set(bothEndian16(SECTOR), 128);
  d.set(bothEndian32(layout.pathTable.bytes), 132);
  new DataView(d.buffer).setUint32(140, layout.pathTable.lSector, true);
  new DataView(d.buffer).setUint32(148, layout.pathTable.mSector, false);
  d.set(directoryRecord(Uint8Array.of(0), layout.root, FLAG_DIRECTORY, volume.date), 156);
  d.set(padded("", 128, joliet), 190); // volume set
  d.set(padded("", 128, joliet), 318); // publisher
  d.set(padded("", 128, joliet), 446); // data preparer
  d.set(padded(volume.applicationId, 128, joliet), 574);
  for (const at of [702, 739, 776]) d.set(padded("", 37, joliet).subarray(0, 37), at); // copyright, abstract, bibliographic files
  d.set(volumeDate(volume.date), 813); // creation
  d.set(volumeDate(volume.date), 830); // modification
  d.set(volumeDate(undefined), 847); // expiration
  d.set(volumeDate(undefined), 864); // effective
  d[881] = 1; // file structure version
  return d;
}

function terminator(): Uint8Array {
  const d = new Uint8Array(SECTOR);
  d[0] = 255;
  d.set(ascii("CD001"), 1);
  d[6] = 1;
  return d;
}

/** The whole image. */
export function writeIso9660(volume: IsoVolume): Uint8Array {
  checkNames(volume.files);
  const date = volume.date;
  const primary: Tree = { joliet: false, identifiers: volume.files.map((f) => ascii(level1Identifier(f.name))) };
  const joliet: Tree = { joliet: true, identifiers: volume.files.map((f) => ucs2(f.name)) }; // no ";1", as genisoimage and cloud-localds write them
  const continuationBytes = erEntry();

  // Directory sizes do not depend on where things go: lay them out with placeholder extents first.
  const none: Extent = { sector: 0, bytes: 0 };
  const placeholders = volume.files.map(() => none);
  const primaryRootBytes = rootDirectory(primary, volume.files, placeholders, none, none, date).length;
  const jolietRootBytes = rootDirectory(joliet, volume.files, placeholders, none, none, date).length;

  const pathTables = SYSTEM_AREA_SECTORS + 3;
  const primaryRoot: Extent = { sector: pathTables + 4, bytes: primaryRootBytes };
  const jolietRoot: Extent = { sector: primaryRoot.sector + sectorsFor(primaryRootBytes), bytes: jolietRootBytes };
  const continuation: Extent = { sector: jolietRoot.sector + sectorsFor(jolietRootBytes), bytes: continuationBytes.length };
  let next = continuation.sector + 1;
  const fileExtents = volume.files.map((file) => {
    const extent = { sector: next, bytes: file.content.length };
    next += sectorsFor(file.content.length);
    return extent;
  });
  const volumeSectors = next;

  const image = new Uint8Array(volumeSectors * SECTOR);
  const put = (sector: number, bytes: Uint8Array) => image.set(bytes, sector * SECTOR);
  const tableBytes = rootPathTable(0, true).length;
  put(SYSTEM_AREA_SECTORS, volumeDescriptor(volume, false, { volumeSectors, pathTable: { bytes: tableBytes, lSector: pathTables, mSector: pathTables + 1 }, root: primaryRoot }));
  put(SYSTEM_AREA_SECTORS + 1, volumeDescriptor(volume, true, { volumeSectors, pathTable: { bytes: tableBytes, lSector: pathTables + 2, mSector: pathTables + 3 }, root: jolietRoot }));
  put(SYSTEM_AREA_SECTORS + 2, terminator());
  put(pathTables, rootPathTable(primaryRoot.sector, true));
  put(pathTables + 1, rootPathTable(primaryRoot.sector, false));
  put(pathTables + 2, rootPathTable(jolietRoot.sector, true));
  put(pathTables + 3, rootPathTable(jolietRoot.sector, false));
  put(primaryRoot.sector, rootDirectory(primary, volume.files, fileExtents, primaryRoot, continuation, date));
  put(jolietRoot.sector, rootDirectory(joliet, volume.files, fileExtents, jolietRoot, continuation, date));
  put(continuation.sector, continuationBytes);
  volume.files.forEach((file, i) => put(fileExtents[i]?.sector ?? 0, file.content));
  return image;
}
