// Distinguished names and subject alternative names: built as @peculiar/asn1-x509 schema
// objects for new certificates, and read back from parsed ones so they can be compared with
// what the spec asks for.
import { isIP } from "node:net";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AttributeTypeAndValue, AttributeValue, GeneralName, Name, RelativeDistinguishedName, type GeneralNames } from "@peculiar/asn1-x509";

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
export function encodeName(attributes: readonly NameAttribute[]): Name {
  return new Name(attributes.map(relativeName));
}

/** One attribute as a relative distinguished name. */
export function relativeName({ type, value }: NameAttribute): RelativeDistinguishedName {
  // countryName is a PrintableString by definition (X.520); the spec only lets two upper-case letters through.
  const text = type === "C" || PRINTABLE.test(value) ? new AttributeValue({ printableString: value }) : new AttributeValue({ utf8String: value });
  return new RelativeDistinguishedName([new AttributeTypeAndValue({ type: ATTRIBUTE_OIDS[type as NameAttributeType] ?? type, value: text })]);
}

export function readName(name: Name): NameAttribute[] {
  // Array.from: the library's arrays would map into more of their own kind.
  return Array.from(name).flatMap((rdn) => Array.from(rdn, (attribute) => ({ type: ATTRIBUTE_TYPES.get(attribute.type) ?? attribute.type, value: attribute.value.toString() })));
}

/** The same attributes in the same order, whatever string type encodes them. */
export function sameName(a: readonly NameAttribute[], b: readonly NameAttribute[]): boolean {
  return a.length === b.length && a.every((attribute, i) => attribute.type === b[i]?.type && attribute.value === b[i]?.value);
}

export interface SubjectAltNames {
  dnsNames: string[];
  ipAddresses: string[];
}

/** dNSName and iPAddress entries, DNS names first, in the order given. */
export function encodeGeneralNames({ dnsNames, ipAddresses }: SubjectAltNames): GeneralName[] {
  return [
    ...dnsNames.map((dNSName) => new GeneralName({ dNSName })),
    // The library parses the text again to bytes; the canonical form guards it from forms it does not read ("::ffff:1.2.3.4").
    ...ipAddresses.map((address) => new GeneralName({ iPAddress: canonicalIp(address) })),
  ];
}

/**
 * A comparable key per name ("dns:etcd-1", "ip:0a000001"): IPs by their bytes, so that
 * fd00::1 and fd00:0:0::1 are the same address. Other kinds of names keep their whole encoding.
 */
export function generalNameKeys(generalNames: GeneralNames): string[] {
  return Array.from(generalNames, (name) => {
    if (name.dNSName !== undefined) return `dns:${name.dNSName}`;
    if (name.iPAddress !== undefined) return `ip:${ipAddressBytes(name.iPAddress).toString("hex")}`;
    return `other:${Buffer.from(AsnConvert.serialize(name)).toString("hex")}`;
  });
}

export function wantedGeneralNameKeys({ dnsNames, ipAddresses }: SubjectAltNames): string[] {
  return [...dnsNames.map((name) => `dns:${name}`), ...ipAddresses.map((address) => `ip:${ipAddressBytes(address).toString("hex")}`)];
}

/** The text the library writes as the address's bytes: dotted quad, or eight hex groups (no "::", no dotted tail). */
function canonicalIp(address: string): string {
  const bytes = ipAddressBytes(address);
  if (bytes.length === 4) return [...bytes].join(".");
  return Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16)).join(":");
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
