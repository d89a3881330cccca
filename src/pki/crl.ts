// The cluster's certificate revocation list (X.509 v2 CRL, RFC 5280 5): every retired certificate
// the CA signed that has not yet expired, signed by the CA with the same code as its certificates.
// A CRL is remade only when the set of serials on it changes (or the CA does), so an unchanged
// spec rebuilds to the same bytes. No file I/O: the CA, the clock and the last CRL come in.
import { verify as verifyAsync } from "node:crypto";
import { promisify } from "node:util";
import { AsnConvert } from "@peculiar/asn1-schema";
import { CertificateList, CRLNumber, id_ce_cRLNumber, RevokedCertificate, TBSCertList, Time, Version } from "@peculiar/asn1-x509";
import {
  authorityKeyIdentifier,
  BACKDATE_MS,
  caKeyIdentifier,
  extension,
  issuerOf,
  pemOf,
  signatureAlgorithmOf,
  signatureOver,
  wholeSeconds,
  type CertificateAuthority,
  type CertificateFacts,
} from "./certificates.js";
import { derValue } from "./pre-encoded.js";

const verify = promisify(verifyAsync);

/** A certificate no longer handed out: its serial (lower-case hex, as CertificateFacts has it) and when it ends. */
export interface RetiredSerial {
  serial: string;
  notAfter: Date;
}

export interface RevocationList {
  /** What etcd reads: DER, the one form every release line parses (3.6+ take DER only). */
  der: Buffer;
  /** The same CRL armoured, for openssl and people. */
  pem: string;
}

/** What a CRL says, as far as deciding whether it can be kept. */
interface CrlFacts {
  issuerDer: Buffer;
  number: number;
  nextUpdate: Date | undefined;
  /** Serial → revocation date. */
  revoked: Map<string, Date>;
  tbsDer: Buffer;
  signature: Buffer;
}

/** A CRL is a few bytes per serial: anything far larger is not ours and is remade rather than parsed. */
const MAX_CRL_BYTES = 4 * 1024 * 1024;

/** A serial as CertificateFacts has it: lower-case hex without the sign byte. */
const serialHex = (serial: ArrayBuffer) => Buffer.from(serial).toString("hex").replace(/^(00)+(?=.)/, "");

/** The INTEGER's bytes: a serial with its high bit set (other tools make those) needs a leading zero to stay positive. */
function serialInteger(hex: string): ArrayBuffer {
  const bytes = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, "hex");
  return Uint8Array.from((bytes[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes).buffer;
}

function readCrl(der: Buffer): CrlFacts {
  const list = AsnConvert.parse(der, CertificateList);
  if (!Buffer.from(AsnConvert.serialize(list)).equals(der)) throw new Error("not DER-encoded");
  const tbs = list.tbsCertList;
  const numberValue = tbs.crlExtensions?.find((e) => e.extnID === id_ce_cRLNumber)?.extnValue.buffer;
  return {
    issuerDer: Buffer.from(AsnConvert.serialize(tbs.issuer)),
    number: numberValue === undefined ? 0 : AsnConvert.parse(numberValue, CRLNumber).value,
    nextUpdate: tbs.nextUpdate?.getTime(),
    revoked: new Map((tbs.revokedCertificates ?? []).map((entry) => [serialHex(entry.userCertificate), entry.revocationDate.getTime()])),
    tbsDer: Buffer.from(AsnConvert.serialize(tbs)),
    signature: Buffer.from(list.signature),
  };
}

/** The previous CRL when the CA signed it and it reads as ours; undefined for anything else (it is then remade). */
async function previousCrlOf(der: Buffer | undefined, ca: CertificateFacts): Promise<CrlFacts | undefined> {
  if (der === undefined || der.length > MAX_CRL_BYTES) return undefined;
  try {
    const crl = readCrl(der);
    if (!crl.issuerDer.equals(ca.subjectDer)) return undefined;
    return (await verify("sha256", crl.tbsDer, ca.x509.publicKey, crl.signature)) ? crl : undefined;
  } catch {
    return undefined; // damaged, or signed with another kind of key
  }
}

/** The serials a CRL made now must list: the retired certificates that have not expired (RFC 5280 allows dropping those), sorted. */
export function serialsToRevoke(retired: readonly RetiredSerial[], now: Date): string[] {
  return [...new Set(retired.filter((r) => r.notAfter.getTime() > now.getTime()).map((r) => r.serial.toLowerCase().replace(/^(00)+(?=.)/, "")))].sort();
}

const sameSerials = (crl: CrlFacts, serials: readonly string[]) => crl.revoked.size === serials.length && serials.every((s) => crl.revoked.has(s));

export interface CrlRequest {
  ca: CertificateAuthority;
  retired: readonly RetiredSerial[];
  now: Date;
  /** The CRL the last build made (DER), if any: kept when it still says the same, else its number and dates carry on. */
  previousDer: Buffer | undefined;
}

/**
 * The CRL for the retired certificates: the previous one, byte for byte, while the CA signed it,
 * it lists exactly these serials and it is not past its nextUpdate; a new one otherwise.
 *
 * nextUpdate is the CA's own end. The hosts do not fetch CRLs, they get the file with a rebuild,
 * so an earlier nextUpdate would only make strict verifiers (OpenSSL with CRL checks) refuse every
 * certificate once it passed; etcd itself never looks at it. A new CRL comes with every change of
 * the retired set, and nothing this CA signs outlives the CA.
 */
export async function revocationList({ ca, retired, now, previousDer }: CrlRequest): Promise<RevocationList> {
  const serials = serialsToRevoke(retired, now);
  const previous = await previousCrlOf(previousDer, ca.cert);
  if (previous !== undefined && previousDer !== undefined && sameSerials(previous, serials) && (previous.nextUpdate?.getTime() ?? 0) > now.getTime()) {
    return { der: previousDer, pem: pemOf(previousDer, "X509 CRL") };
  }
  // Backdated like certificates: a host without a real-time clock boots "in the past".
  const thisUpdate = wholeSeconds(now.getTime() - BACKDATE_MS);
  const signatureAlgorithm = signatureAlgorithmOf(ca.signingKey);
  const tbsCertList = new TBSCertList({
    version: Version.v2,
    signature: signatureAlgorithm,
    issuer: issuerOf(ca.cert),
    thisUpdate: new Time(thisUpdate),
    nextUpdate: new Time(ca.cert.notAfter),
    // An entry keeps the date it was first revoked on while it stays on the list.
    ...(serials.length > 0
      ? {
          revokedCertificates: serials.map(
            (serial) => new RevokedCertificate({ userCertificate: serialInteger(serial), revocationDate: new Time(previous?.revoked.get(serial) ?? thisUpdate) }),
          ),
        }
      : {}),
    // RFC 5280 5.2: a conforming CRL names the CA's key and carries an increasing number.
    crlExtensions: [authorityKeyIdentifier(caKeyIdentifier(ca.cert)), extension(id_ce_cRLNumber, false, new CRLNumber((previous?.number ?? 0) + 1))],
  });
  const tbs = Buffer.from(AsnConvert.serialize(tbsCertList));
  const list = new CertificateList({ tbsCertList: derValue<TBSCertList>(tbs), signatureAlgorithm, signature: await signatureOver(tbs, ca.signingKey) });
  const der = Buffer.from(AsnConvert.serialize(list));
  return { der, pem: pemOf(der, "X509 CRL") };
}
