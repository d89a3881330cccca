// Cross-field rules: small named functions over the parsed spec, each returning its problems.
// Uniqueness rules read the raw YAML value too, so they report alongside field errors.

import { isIP } from "node:net";
import type { Diagnostic } from "./diagnostics.js";
import type { RawSpec } from "./schema.js";
import type { Tuning } from "./types.js";

type RawRule = (raw: unknown) => Diagnostic[];
/** Rules on the parsed spec also see the tuning with its preset applied. */
type ParsedRule = (spec: RawSpec, tuning: Tuning) => Diagnostic[];

function entries(raw: unknown, key: string): unknown[] {
  const value = (raw as Record<string, unknown> | null)?.[key];
  return Array.isArray(value) ? value : [];
}

function field(entry: unknown, key: string): unknown {
  return typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>)[key] : undefined;
}

/** Every repeat of a value after its first use is an error at that entry. */
function repeats(list: unknown[], pick: (entry: unknown) => unknown, path: (i: number) => Diagnostic["path"], what: string): Diagnostic[] {
  const firstSeen = new Map<unknown, number>();
  const problems: Diagnostic[] = [];
  list.forEach((entry, i) => {
    const value = pick(entry);
    if (typeof value !== "string") return;
    const first = firstSeen.get(value);
    if (first === undefined) firstSeen.set(value, i);
    else problems.push({ severity: "error", path: path(i), message: `${what} ${JSON.stringify(value)} is already used by entry ${first}: each must be unique` });
  });
  return problems;
}

export const uniqueHostNames: RawRule = (raw) =>
  repeats(entries(raw, "hosts"), (h) => field(h, "name"), (i) => ["hosts", i, "name"], "host name");

export const uniqueHostAddresses: RawRule = (raw) =>
  repeats(entries(raw, "hosts"), (h) => field(h, "address"), (i) => ["hosts", i, "address"], "address");

export const uniqueClients: RawRule = (raw) => repeats(entries(raw, "clients"), (c) => c, (i) => ["clients", i], "client");

export const electionTimeoutFitsHeartbeat: ParsedRule = (_spec, tuning) => {
  const heartbeat = tuning.heartbeatIntervalMs;
  const election = tuning.electionTimeoutMs;
  const problems: Diagnostic[] = [];
  if (election < 5 * heartbeat)
    problems.push({ severity: "error", path: ["tuning", "electionTimeoutMs"], message: `${election} ms is less than 5 x the heartbeat (${heartbeat} ms), which etcd refuses: set it to at least ${5 * heartbeat}` });
  if (election > 50_000)
    problems.push({ severity: "error", path: ["tuning", "electionTimeoutMs"], message: `${election} ms is above etcd's limit of 50000 ms: lower it` });
  return problems;
};

export const staticNetworkIsComplete: ParsedRule = ({ hosts, defaults }) =>
  hosts.flatMap((host, i) => {
    const network = { ...defaults.network, ...host.network };
    if (!host.network && !defaults.network) return [];
    const problems: Diagnostic[] = [];
    const where = host.network ? ["hosts", i, "network"] : ["defaults", "network"];
    const family = isIP(host.address);
    if (network.prefix === undefined)
      problems.push({ severity: "error", path: where, message: `a static network needs "prefix" (the subnet's length, e.g. 24)` });
    else if (family === 4 && network.prefix > 32)
      problems.push({ severity: "error", path: [...where, "prefix"], message: `prefix ${network.prefix} is too long for the IPv4 address ${host.address}: use 0-32` });
    if (network.gateway && isIP(network.gateway) !== family)
      problems.push({ severity: "error", path: [...where, "gateway"], message: `gateway ${network.gateway} is not of the same IP family as ${host.address}` });
    return problems;
  });

export const evenMemberCount: ParsedRule = ({ hosts }) =>
  hosts.length % 2 === 0
    ? [{ severity: "warning", path: ["hosts"], message: `${hosts.length} members tolerate no more failures than ${hosts.length - 1}: an odd count is the usual choice` }]
    : [];

export const RAW_RULES: RawRule[] = [uniqueHostNames, uniqueHostAddresses, uniqueClients];
export const PARSED_RULES: ParsedRule[] = [electionTimeoutFitsHeartbeat, staticNetworkIsComplete, evenMemberCount];
