// IP addresses as bytes: the one way to compare two spellings (fd00::1 = fd00:0:0::1), to test
// prefixes, and to write an address back in a single canonical form (RFC 5952 for IPv6).

export interface IpAddress {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
}

const IPV4_PART = /^(0|[1-9]\d{0,2})$/;
const IPV6_GROUP = /^[0-9a-f]{1,4}$/i;

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => IPV4_PART.test(p) && Number(p) <= 255)) return undefined;
  return Uint8Array.from(parts, Number);
}

/** Groups of one side of "::" as 16-bit words; a dotted IPv4 tail counts as two. */
function ipv6Words(side: string, allowIpv4Tail: boolean): number[] | undefined {
  if (side === "") return [];
  const groups = side.split(":");
  const words: number[] = [];
  for (const [i, group] of groups.entries()) {
    if (allowIpv4Tail && i === groups.length - 1 && group.includes(".")) {
      const v4 = parseIpv4(group);
      if (!v4) return undefined;
      words.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    } else if (IPV6_GROUP.test(group)) words.push(parseInt(group, 16));
    else return undefined;
  }
  return words;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const [head = "", tail] = halves;
  const before = ipv6Words(head, tail === undefined);
  const after = tail === undefined ? [] : ipv6Words(tail, true);
  if (!before || !after) return undefined;
  const missing = 8 - before.length - after.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const words = [...before, ...new Array<number>(tail === undefined ? 0 : missing).fill(0), ...after];
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  return bytes;
}

/** An address without zone id or prefix; IPv4 in dotted decimal without leading zeros. */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (text.includes(":")) {
    const bytes = parseIpv6(text);
    return bytes ? { family: 6, bytes } : undefined;
  }
  const bytes = parseIpv4(text);
  return bytes ? { family: 4, bytes } : undefined;
}

/** RFC 5952: lower-case hex, no leading zeros, the longest run (of two or more) of zero groups as "::". */
export function formatIpAddress({ family, bytes }: IpAddress): string {
  if (family === 4) return Array.from(bytes).join(".");
  const words = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    let end = i;
    while (end < 8 && words[end] === 0) end++;
    if (end - i > best.length) best = { start: i, length: end - i };
    i = end === i ? i + 1 : end;
  }
  const hex = (list: number[]) => list.map((w) => w.toString(16)).join(":");
  if (best.start < 0) return hex(words);
  return `${hex(words.slice(0, best.start))}::${hex(words.slice(best.start + best.length))}`;
}

/** The same address, however it is spelled; text that is no address stays itself. */
export function canonicalIpAddress(text: string): string {
  const address = parseIpAddress(text);
  return address ? formatIpAddress(address) : text;
}

/** Whether the first `prefix` bits of both addresses agree (same family only). */
export function sameSubnet(a: IpAddress, b: IpAddress, prefix: number): boolean {
  if (a.family !== b.family) return false;
  for (let bit = 0; bit < prefix; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if (((a.bytes[byte] ?? 0) & mask) !== ((b.bytes[byte] ?? 0) & mask)) return false;
  }
  return true;
}

/** Whether every bit after the first `prefix` is `bit` (all 0: the network address; all 1: IPv4's broadcast). */
export function hostBitsAll(address: IpAddress, prefix: number, bit: 0 | 1): boolean {
  const total = address.bytes.length * 8;
  for (let i = prefix; i < total; i++) {
    const set = ((address.bytes[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0;
    if (set !== (bit === 1)) return false;
  }
  return true;
}

/** Addresses with a special meaning, which no host can be reached at from another machine. */
export type SpecialAddress = "unspecified" | "loopback" | "multicast" | "broadcast" | "link-local" | "ipv4-mapped";

export function specialKind({ family, bytes }: IpAddress): SpecialAddress | undefined {
  const [b0 = 0, b1 = 0] = bytes;
  if (bytes.every((b) => b === 0)) return "unspecified";
  if (family === 4) {
    if (b0 === 127) return "loopback";
    if (b0 >= 224 && b0 <= 239) return "multicast";
    if (bytes.every((b) => b === 255)) return "broadcast";
    return undefined;
  }
  if (bytes.subarray(0, 15).every((b) => b === 0) && bytes[15] === 1) return "loopback";
  if (b0 === 0xff) return "multicast";
  if (b0 === 0xfe && (b1 & 0xc0) === 0x80) return "link-local";
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return "ipv4-mapped";
  return undefined;
}
