// DER (X.690), just the parts X.509 certificates use: building values, and walking the ones we
// read back. Certificates are a handful of nested SEQUENCEs; writing them directly is ~50×
// faster than a general ASN.1 schema library, and 1000 hosts mean 1000 certificates per build.

const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** Tag, definite length (short form below 128, long form above), contents. */
export function tlv(tag: number, contents: Uint8Array): Buffer {
  const length = contents.length;
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else {
    const lengthBytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest % 256);
    header = [tag, 0x80 | lengthBytes.length, ...lengthBytes];
  }
  return Buffer.concat([Buffer.from(header), contents]);
}

export const sequence = (...items: Uint8Array[]): Buffer => tlv(TAG.sequence, Buffer.concat(items));
/** A SET holding one element (each relative distinguished name here has one attribute, so DER's sort order is moot). */
export const setOfOne = (item: Uint8Array): Buffer => tlv(TAG.set, item);
export const boolean = (value: boolean): Buffer => tlv(TAG.boolean, Buffer.from([value ? 0xff : 0x00]));
export const octetString = (bytes: Uint8Array): Buffer => tlv(TAG.octetString, bytes);
export const nullValue = (): Buffer => tlv(TAG.null, Buffer.alloc(0));
export const utf8String = (text: string): Buffer => tlv(TAG.utf8String, Buffer.from(text, "utf8"));
export const printableString = (text: string): Buffer => tlv(TAG.printableString, Buffer.from(text, "latin1"));
/** [n] EXPLICIT: wraps a whole encoded value. */
export const explicit = (n: number, value: Uint8Array): Buffer => tlv(0xa0 | n, value);
/** [n] IMPLICIT of a primitive type: the contents under a context tag. */
export const implicitPrimitive = (n: number, contents: Uint8Array): Buffer => tlv(0x80 | n, contents);

/** An INTEGER from unsigned big-endian bytes: minimal, with a 0x00 prefix when the top bit is set (it stays positive). */
export function unsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const minimal = bytes.subarray(start);
  const contents = (minimal[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : Buffer.from(minimal);
  return tlv(TAG.integer, contents.length > 0 ? contents : Buffer.from([0]));
}

export const smallInteger = (value: number): Buffer => unsignedInteger(Buffer.from([value]));

/** A BIT STRING of whole bytes (keys, signatures). */
export const bitString = (bytes: Uint8Array): Buffer => tlv(TAG.bitString, Buffer.concat([Buffer.from([0]), bytes]));

/** A named-bit BIT STRING (KeyUsage): bit 0 is the first bit; DER drops trailing zero bits. */
export function namedBits(bits: readonly number[]): Buffer {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  const unusedBits = 7 - (highest & 7);
  return tlv(TAG.bitString, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

export function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const base128: number[] = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) base128.unshift(0x80 | (value & 0x7f));
    bytes.push(...base128);
  }
  return tlv(TAG.oid, Buffer.from(bytes));
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, UTC. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-11-01T12:00:00.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "");
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? tlv(TAG.utcTime, Buffer.from(`${digits.slice(2)}Z`, "latin1"))
    : tlv(TAG.generalizedTime, Buffer.from(`${digits}Z`, "latin1"));
}

// --- Reading ---------------------------------------------------------------------------------

export interface Element {
  tag: number;
  /** The contents octets. */
  contents: Buffer;
  /** The whole element: tag, length and contents (e.g. a Name to copy byte for byte). */
  encoded: Buffer;
}

/** The element starting at offset. Throws on truncated or indefinite-length input (not DER). */
export function readElement(buffer: Buffer, offset = 0): Element {
  const tag = buffer[offset];
  let lengthByte = buffer[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new Error("DER: truncated");
  if ((tag & 0x1f) === 0x1f) throw new Error("DER: multi-byte tags are not used in certificates");
  let start = offset + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) throw new Error("DER: unsupported length");
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = buffer[start + i];
      if (lengthByte === undefined) throw new Error("DER: truncated");
      length = length * 256 + lengthByte;
    }
    start += count;
  }
  if (start + length > buffer.length) throw new Error("DER: truncated");
  return { tag, contents: buffer.subarray(start, start + length), encoded: buffer.subarray(offset, start + length) };
}

/** The elements inside a constructed value's contents (SEQUENCE, SET, [n] EXPLICIT). */
export function childrenOf(element: Element): Element[] {
  const children: Element[] = [];
  for (let offset = 0; offset < element.contents.length; ) {
    const child = readElement(element.contents, offset);
    children.push(child);
    offset += child.encoded.length;
  }
  return children;
}

export function readOid(element: Element): string {
  if (element.tag !== TAG.oid) throw new Error("DER: expected an OBJECT IDENTIFIER");
  const arcs: number[] = [];
  let value = 0;
  for (const byte of element.contents) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    }
  }
  return arcs.join(".");
}

/** UTCTime or GeneralizedTime (the Z forms certificates use). */
export function readTime(element: Element): Date {
  const text = element.contents.toString("latin1");
  const digits = element.tag === TAG.utcTime ? `${Number(text.slice(0, 2)) >= 50 ? "19" : "20"}${text}` : text;
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(digits);
  if (!match) throw new Error(`DER: unsupported time ${text}`);
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second));
}

/** A string attribute's text (PrintableString, UTF8String, IA5String and the other 8-bit ones). */
export function readString(element: Element): string {
  return element.tag === TAG.utf8String ? element.contents.toString("utf8") : element.contents.toString("latin1");
}
