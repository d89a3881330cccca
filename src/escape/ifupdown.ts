// /etc/network/interfaces (ifupdown, busybox ifup): whitespace-separated words, one option per
// line, no quoting. Interface names and addresses are validated to these characters.

import { assertToken } from "./token.js";

const IFUPDOWN_WORD = /^[A-Za-z0-9_.:/-]+$/;

export function ifupdownWord(value: string): string {
  return assertToken("ifupdown", value, IFUPDOWN_WORD);
}
