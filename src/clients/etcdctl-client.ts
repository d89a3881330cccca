// Which client certificate etcdctl.env and the cluster commands (status, members) use.

import type { Client } from "../spec/types.js";

/** admin when listed; else the first client without a purpose (one whose key is meant for this machine); else the first. */
export function etcdctlClient(clients: readonly Client[]): string | undefined {
  const chosen = clients.find((c) => c.name === "admin") ?? clients.find((c) => c.for === undefined) ?? clients[0];
  return chosen?.name;
}
