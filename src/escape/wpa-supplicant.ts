// wpa_supplicant.conf. Its parser takes a quoted string up to the LAST '"' on the line, with no
// escapes, and cuts the line at a '#' it believes is outside quotes: a value with a '"' in it is
// therefore not safe between quotes. What it also reads, and what we write instead:
//   ssid=<hex>   the SSID's bytes, for any SSID that is not printable ASCII without '"';
//   psk=<hex>    the 256-bit key itself (64 hex digits), which is what wpa_supplicant derives from
//                a passphrase: PBKDF2-HMAC-SHA1(passphrase, ssid, 4096 rounds, 32 bytes).

import { pbkdf2Sync } from "node:crypto";
import { assertToken } from "./token.js";

const QUOTABLE = /^[\x20\x21\x23-\x7e]+$/;
const RAW_KEY = /^[0-9A-Fa-f]{64}$/;

export function wpaSsid(ssid: string): string {
  return QUOTABLE.test(ssid) ? `"${ssid}"` : Buffer.from(ssid, "utf8").toString("hex");
}

/** A passphrase (8-63 printable ASCII) or a raw key of 64 hex digits, which goes in unquoted. */
export function wpaPsk(psk: string, ssid: string): string {
  if (RAW_KEY.test(psk)) return psk.toLowerCase();
  if (!/^[\x20-\x7e]{8,63}$/.test(psk)) throw new Error("wpa_supplicant: a passphrase must be 8-63 printable ASCII characters (a validator should have refused it)");
  return QUOTABLE.test(psk) ? `"${psk}"` : derivedPsk(psk, ssid);
}

/** The key wpa_supplicant (and wpa_passphrase) derive from a passphrase: IEEE 802.11i's PBKDF2-HMAC-SHA1, 4096 rounds, 32 bytes. */
export function derivedPsk(passphrase: string, ssid: string): string {
  return pbkdf2Sync(passphrase, Buffer.from(ssid, "utf8"), 4096, 32, "sha1").toString("hex");
}

export function wpaCountry(code: string): string {
  return assertToken("wpa_supplicant", code, /^[A-Z]{2}$/);
}
