// Distinguished names and subject alternative names: encoded for new certificates, and read
// back from existing ones so they can be compared with what the spec asks for.
import { isIP } from "node:net";
import {
  childrenOf,
  implicitPrimitive,
  oid,
  printableString,
  readOid,
  readString,
  sequence,
  setOfOne,
  utf8String,
  type Element,
} from "./der.js";

export type NameAttributeType = "C" | "ST" | "L" | "O" | "OU" | "CN";

export interface NameAttribute {
  /** One of ours, or the dotted OID of an attribute another tool put there. */
  type: NameAttributeType | string;
  value: string;
}

const ATTRIBUTE_OIDS: Record<NameAttributeType, string> = {
  CN: "2.5.4.3",
  C: "2.5.4.6",
  L: "2.5.4.7",
  ST: "2.5.4.8",
  O: "2.5.4.10",
  OU: "2.5.4.11",
};
const ATTRIBUTE_TYPES = new Map(Object.entries(ATTRIBUTE_OIDS).map(([type, dotted]) => [dotted, type]));

// As Go's crypto/x509 (cfssl) does: PrintableString when the text allows it, UTF8String otherwise.
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** A Name: one attribute per relative distinguished name, in the order given. */
export function encodeName(attributes: readonly NameAttribute[]): Buffer {
  return sequence(
    ...attributes.map(({ type, value }) => {
      const dotted = ATTRIBUTE_OIDS[type as NameAttributeType] ?? type;
      return setOfOne(sequence(oid(dotted), PRINTABLE.test(value) ? printableString(value) : utf8String(value)));
    }),
  );
}

export function readName(name: Element): NameAttribute[] {
  return childrenOf(name).flatMap((rdn) =>
    childrenOf(rdn).map((attribute) => {
      const [type, value] = childrenOf(attribute);
      if (!type || !value) throw new Error("malformed name attribute");
      const dotted = readOid(type);
      return { type: ATTRIBUTE_TYPES.get(dotted) ?? dotted, value: readString(value) };
    }),
  );
}

/** The same attributes in the same order, whatever string type encodes them. */
export function sameName(a: readonly NameAttribute[], b: readonly NameAttribute[]): boolean {
  return a.length === b.length && a.every((attribute, i) => attribute.type === b[i]?.type && attribute.value === b[i]?.value);
}

export interface SubjectAltNames {
  dnsNames: string[];
  ipAddresses: string[];
}

const DNS_NAME_TAG = 2;
const IP_ADDRESS_TAG = 7;

/** GeneralNames: dNSName [2] IA5String, iPAddress [7] OCTET STRING (4 or 16 bytes). */
export function encodeGeneralNames({ dnsNames, ipAddresses }: SubjectAltNames): Buffer {
  return sequence(
    ...dnsNames.map((name) => implicitPrimitive(DNS_NAME_TAG, Buffer.from(name, "latin1"))),
    ...ipAddresses.map((address) => implicitPrimitive(IP_ADDRESS_TAG, ipAddressBytes(address))),
  );
}

/**
 * A comparable key per name ("dns:etcd-1", "ip:0a000001"): IPs by their bytes, so that
 * fd00::1 and fd00:0:0::1 are the same address. Other kinds of names keep their tag and bytes.
 */
export function generalNameKeys(generalNames: Element): string[] {
  return childrenOf(generalNames).map((name) => {
    const tag = name.tag & 0x1f;
    if (tag === DNS_NAME_TAG) return `dns:${name.contents.toString("latin1")}`;
    if (tag === IP_ADDRESS_TAG) return `ip:${name.contents.toString("hex")}`;
    return `tag${tag}:${name.contents.toString("hex")}`;
  });
}

export function wantedGeneralNameKeys({ dnsNames, ipAddresses }: SubjectAltNames): string[] {
  return [...dnsNames.map((name) => `dns:${name}`), ...ipAddresses.map((address) => `ip:${ipAddressBytes(address).toString("hex")}`)];
}

/** 4 bytes for IPv4, 16 for IPv6 (with "::" expanded and a dotted IPv4 tail allowed). */
export function ipAddressBytes(address: string): Buffer {
  const version = isIP(address);
  if (version === 4) return Buffer.from(address.split(".").map(Number));
  if (version !== 6) throw new Error(`not an IP address: ${address}`);
  let text = address.replace(/%.*$/, ""); // a zone ("%eth0") is not part of the address
  const tail = text.slice(text.lastIndexOf(":") + 1);
  if (tail.includes(".")) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split(".").map(Number);
    text = `${text.slice(0, text.length - tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const headWords = head === "" ? [] : head.split(":");
  const restWords = rest === undefined || rest === "" ? [] : rest.split(":");
  const zeros = Array<string>(8 - headWords.length - restWords.length).fill("0");
  const words = rest === undefined ? headWords : [...headWords, ...zeros, ...restWords];
  const bytes = Buffer.alloc(16);
  words.forEach((word, index) => bytes.writeUInt16BE(parseInt(word, 16), index * 2));
  return bytes;
}
