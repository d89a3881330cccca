// /etc/resolv.conf: "nameserver <IP address>" lines, no quoting.

import { assertToken } from "./token.js";

const IP_WORD = /^[0-9A-Fa-f.:]+$/;

export function nameserverLine(address: string): string {
  return `nameserver ${assertToken("resolv.conf", address, IP_WORD)}`;
}
