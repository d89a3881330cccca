// chrony.conf: directives of whitespace-separated words, no quoting. A server is a DNS name or an
// IP address (validated as such), so it is one word of these characters.

import { assertToken } from "./token.js";

const CHRONY_WORD = /^[A-Za-z0-9_.:-]+$/;

export function chronyWord(value: string): string {
  return assertToken("chrony", value, CHRONY_WORD);
}
