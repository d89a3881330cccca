// Parts of a certificate that many certificates share, encoded by the library once and reused.
// @peculiar/asn1-schema asks any value that has toASN() for its ASN.1 block instead of walking its
// schema, and asn1js asks each block of a SEQUENCE for its bytes (toBER): walking schemas and
// re-encoding blocks is where most of the time of encoding a certificate goes.
import { AsnConvert, type IAsnConvertible } from "@peculiar/asn1-schema";
import type { AsnType } from "asn1js";

/** Stands in for an asn1js block: the bytes asn1js made for it before, handed to the writer of the enclosing value. */
class EncodedBlock {
  constructor(private readonly bytes: ArrayBuffer) {}

  toBER(_sizeOnly?: boolean, writer?: { write(buffer: ArrayBuffer): void }): ArrayBuffer {
    if (writer === undefined) return this.bytes;
    writer.write(this.bytes);
    return new ArrayBuffer(0);
  }
}

class PreEncoded implements IAsnConvertible {
  constructor(private readonly block: EncodedBlock) {}

  toASN(): AsnType {
    return this.block as unknown as AsnType;
  }

  toSchema(): never {
    throw new Error("a pre-encoded value is only written, never parsed");
  }

  fromASN(): never {
    throw new Error("a pre-encoded value is only written, never parsed");
  }
}

/** The value, encoded now; it stands in for the value wherever the schema expects one (it is written, never read). */
export function preEncoded<T extends object>(value: T): T {
  return new PreEncoded(new EncodedBlock(AsnConvert.serialize(value))) as unknown as T;
}

/** A value already in DER (node's SubjectPublicKeyInfo of a key, a TBSCertificate as signed), written as it is. */
export function derValue<T extends object>(der: Uint8Array): T {
  return new PreEncoded(new EncodedBlock(Uint8Array.from(der).buffer)) as unknown as T;
}

/** Pre-encoded values by key, for one build's worth of shared parts (a long-lived process starts over past `limit`). */
export function preEncodedCache<T extends object>(limit = 1000): (key: string, make: () => T) => T {
  const cache = new Map<string, T>();
  return (key, make) => {
    const known = cache.get(key);
    if (known !== undefined) return known;
    if (cache.size >= limit) cache.clear();
    const value = preEncoded(make());
    cache.set(key, value);
    return value;
  };
}
