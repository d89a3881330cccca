// Cross-field rules: small named functions over the parsed spec, each returning its problems.
// Uniqueness rules read the raw YAML value too, so they report alongside field errors.

import { isIP } from "node:net";
import { SYSTEMD_LAYOUT } from "../etcd/layout.js";
import type { Diagnostic } from "./diagnostics.js";
import type { RawSpec } from "./schema.js";
import type { TargetProfile, Tuning } from "./types.js";

type RawRule = (raw: unknown) => Diagnostic[];
/** Rules on the parsed spec also see the tuning with its preset applied, and each host's target. */
interface RuleContext {
  tuning: Tuning;
  targets: TargetProfile[];
}
type ParsedRule = (spec: RawSpec, context: RuleContext) => Diagnostic[];

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

export const electionTimeoutFitsHeartbeat: ParsedRule = (_spec, { tuning }) => {
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

export const targetSupportsArch: ParsedRule = ({ hosts, defaults }, { targets }) =>
  hosts.flatMap((host, i) => {
    const target = targets[i];
    const arch = host.arch ?? defaults.arch ?? "amd64";
    if (!target || target.archs.includes(arch)) return [];
    const where = host.arch ? ["hosts", i, "arch"] : host.target ? ["hosts", i, "target"] : ["hosts", i];
    return [{ severity: "error", path: where, message: `target ${target.name} runs on ${target.archs.join(", ")}, not ${arch}${arch === "arm64" || target.archs[0] !== "arm64" ? "" : " (Raspberry Pis need a 64-bit OS: etcd has no 32-bit ARM build)"}` }];
  });

/** Alpine runs from RAM: without a persistent partition a rebooted member loses its data and cannot rejoin. */
export const storageFitsTarget: ParsedRule = ({ hosts }, { targets }) =>
  hosts.flatMap((host, i): Diagnostic[] => {
    const target = targets[i];
    if (!target) return [];
    if (target.format === "cloud-init") {
      const extras = (["storage", "wifi"] as const).filter((key) => host[key] !== undefined);
      return extras.map((key) => ({ severity: "error", path: ["hosts", i, key], message: `${key} is for Alpine (apkovl) hosts; ${target.name} hosts keep etcd on their root disk and get their network from network-config` }));
    }
    if (!host.storage)
      return [{ severity: "error", path: ["hosts", i], message: `${target.name} runs from RAM: add storage: {device: LABEL=etcd-data} (a persistent partition for etcd's data), or storage: {tmpfs: true} for a lab that may lose its data` }];
    if ("tmpfs" in host.storage)
      return [{ severity: "warning", path: ["hosts", i, "storage"], message: `etcd's data lives in RAM on ${host.name}: a reboot wipes it and the member must be removed and re-added (lab use only)` }];
    if (host.network?.macAddress)
      return [{ severity: "error", path: ["hosts", i, "network", "macAddress"], message: `Alpine's /etc/network/interfaces names interfaces, not MACs: use interface: eth0 (or wlan0)` }];
    return [];
  });

/** A folder on the build machine can feed overlays, but a host booting elsewhere cannot download from it. */
export const bootDownloadsNeedUrl: ParsedRule = ({ etcd }, { targets }) => {
  if (!etcd.downloadUrl.startsWith("/")) return [];
  const downloaders = targets.filter((t) => t.format === "cloud-init" || etcd.install === "fetch");
  return downloaders.length === 0
    ? []
    : [{ severity: "error", path: ["etcd", "downloadUrl"], message: `${downloaders[0]?.name} hosts download etcd at first boot and cannot reach a folder on this machine: use an http(s):// mirror` }];
};

/** Alpine's periodic runs scripts hourly or daily; an OnCalendar expression is systemd's alone. */
export const backupScheduleFitsTargets: ParsedRule = ({ backup }, { targets }) => {
  const alpine = targets.find((t) => t.format === "apkovl");
  if (!backup || !alpine || ["daily", "hourly"].includes(backup.schedule)) return [];
  return [{ severity: "error", path: ["backup", "schedule"], message: `${alpine.name} hosts take snapshots through Alpine's periodic: write daily or hourly` }];
};

/** Snapshots inside etcd's own data dir would be moved aside with it by a restore, and count against its disk. */
export const backupDirOutsideDataDir: ParsedRule = ({ backup }) => {
  const dataDir = SYSTEMD_LAYOUT.dataDir;
  if (!backup || (backup.dir !== dataDir && !backup.dir.startsWith(`${dataDir}/`))) return [];
  return [{ severity: "error", path: ["backup", "dir"], message: `${backup.dir} is inside etcd's data dir ${dataDir}: choose a folder outside it, such as /var/backups/etcd` }];
};

export const RAW_RULES: RawRule[] = [uniqueHostNames, uniqueHostAddresses, uniqueClients];
export const PARSED_RULES: ParsedRule[] = [electionTimeoutFitsHeartbeat, staticNetworkIsComplete, targetSupportsArch, storageFitsTarget, bootDownloadsNeedUrl, backupScheduleFitsTargets, backupDirOutsideDataDir, evenMemberCount];
