// /etc/fstab: six whitespace-separated fields per line. Devices are validated to LABEL=, UUID=,
// PARTUUID=, PARTLABEL= or /dev/ paths of these characters, so no octal escape is ever needed.

import { assertToken } from "./token.js";

const FSTAB_FIELD = /^[A-Za-z0-9_.=/:,+-]+$/;

export function fstabField(value: string): string {
  return assertToken("fstab", value, FSTAB_FIELD);
}
