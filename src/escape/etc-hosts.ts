// /etc/hosts and /etc/hostname: an address and names separated by whitespace, "#" starts a comment.
// Host names, DNS names and addresses are validated to these characters.

import { assertToken } from "./token.js";

const HOSTS_WORD = /^[A-Za-z0-9_.:*-]+$/;

export function hostsLine(address: string, names: string[]): string {
  const word = (value: string) => assertToken("hosts", value, HOSTS_WORD);
  return `${word(address)}\t${names.map(word).join(" ")}`;
}

export function hostnameFile(name: string): string {
  return `${assertToken("hostname", name, HOSTS_WORD)}\n`;
}
