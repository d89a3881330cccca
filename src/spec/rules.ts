// Cross-field rules: small named functions over the parsed spec, each returning its problems.
// Uniqueness rules read the raw YAML value too, so they report alongside field errors.

import { isIP } from "node:net";
import { DEFAULT_METRICS_PORT, SYSTEMD_LAYOUT } from "../etcd/layout.js";
import type { Diagnostic } from "./diagnostics.js";
import { canonicalIpAddress, formatIpAddress, hostBitsAll, parseIpAddress, sameSubnet, specialKind, type IpAddress } from "./ip-address.js";
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

/**
 * Every repeat of a value after its first use is an error at that entry. Values are compared by
 * `sameAs` (e.g. an address's canonical spelling), and named as written.
 */
function repeats(
  list: unknown[],
  pick: (entry: unknown) => unknown,
  path: (i: number) => Diagnostic["path"],
  what: string,
  sameAs: (value: string) => string = (value) => value,
): Diagnostic[] {
  const firstSeen = new Map<string, { index: number; written: string }>();
  const problems: Diagnostic[] = [];
  list.forEach((entry, i) => {
    const value = pick(entry);
    if (typeof value !== "string") return;
    const key = sameAs(value);
    const first = firstSeen.get(key);
    if (first === undefined) firstSeen.set(key, { index: i, written: value });
    else {
      const spelling = first.written === value ? "" : ` (written there as ${JSON.stringify(first.written)})`;
      problems.push({ severity: "error", path: path(i), message: `${what} ${JSON.stringify(value)} is already used by entry ${first.index}${spelling}: each must be unique` });
    }
  });
  return problems;
}

export const uniqueHostNames: RawRule = (raw) =>
  repeats(entries(raw, "hosts"), (h) => field(h, "name"), (i) => ["hosts", i, "name"], "host name");

export const uniqueHostAddresses: RawRule = (raw) =>
  repeats(entries(raw, "hosts"), (h) => field(h, "address"), (i) => ["hosts", i, "address"], "address", canonicalIpAddress);

/** A client entry is a plain name or {name, for}: its name, and where the name is written. */
const clientName = (entry: unknown): unknown => (typeof entry === "string" ? entry : field(entry, "name"));

export const uniqueClients: RawRule = (raw) => {
  const list = entries(raw, "clients");
  return repeats(list, clientName, (i) => (typeof list[i] === "string" ? ["clients", i] : ["clients", i, "name"]), "client");
};

/** A MAC names one machine's NIC: two hosts with one MAC would fight over the same interface. */
export const uniqueMacAddresses: RawRule = (raw) =>
  repeats(
    entries(raw, "hosts"),
    (h) => field(field(h, "network"), "macAddress"),
    (i) => ["hosts", i, "network", "macAddress"],
    "MAC address",
    (mac) => mac.toLowerCase(),
  );

/** Each certificate holds its host's name and dnsNames: a name in two certificates lets one member pass for another. */
export const uniqueCertificateNames: RawRule = (raw) => {
  const owner = new Map<string, number>();
  entries(raw, "hosts").forEach((host, i) => {
    const name = field(host, "name");
    if (typeof name === "string" && !owner.has(name)) owner.set(name, i);
  });
  const problems: Diagnostic[] = [];
  entries(raw, "hosts").forEach((host, i) => {
    const dnsNames = field(host, "dnsNames");
    if (!Array.isArray(dnsNames)) return;
    dnsNames.forEach((dnsName: unknown, j) => {
      if (typeof dnsName !== "string") return;
      const key = dnsName.toLowerCase();
      const first = owner.get(key);
      if (first === undefined) owner.set(key, i);
      else if (first !== i)
        problems.push({ severity: "error", path: ["hosts", i, "dnsNames", j], message: `${JSON.stringify(dnsName)} already names host entry ${first} (its name or dnsNames): a certificate valid for both would let one member pass for the other; give each host its own names` });
    });
  });
  return problems;
};

/** etcd takes a client's user name from its certificate's CN, which is the host or client name. */
export const certificateCommonNamesAreDistinct: ParsedRule = ({ hosts, clients }) => {
  const hostIndex = new Map(hosts.map((host, i) => [host.name, i]));
  const problems: Diagnostic[] = hosts.flatMap((host, i): Diagnostic[] =>
    host.name === "root"
      ? [{ severity: "error", path: ["hosts", i, "name"], message: `a member certificate with CN "root" would act as etcd's root user once auth is enabled: name the host otherwise, e.g. etcd-1` }]
      : [],
  );
  clients.forEach(({ name }, i) => {
    const host = hostIndex.get(name);
    if (host !== undefined)
      problems.push({ severity: "error", path: ["clients", i], message: `client ${JSON.stringify(name)} has the same certificate CN as host entry ${host}, so etcd could not tell them apart: rename the client, e.g. ${name}-client` });
  });
  return problems;
};

export const atLeastOneClient: ParsedRule = ({ clients }) =>
  clients.length === 0
    ? [{ severity: "error", path: ["clients"], message: "etcdctl.env and the client bundles need a client certificate: list at least one client, e.g. clients: [admin]" }]
    : [];

export const leafValidityWithinCa: ParsedRule = ({ tls }) =>
  tls.validityDays > tls.caValidityDays
    ? [{ severity: "error", path: ["tls", "validityDays"], message: `certificates valid for ${tls.validityDays} days would outlive the CA (caValidityDays: ${tls.caValidityDays}): lower validityDays or raise caValidityDays` }]
    : [];

/**
 * Client, peer and metrics listeners each need their own port on the member's addresses. A clash
 * is reported at the port the user wrote: metrics.port when given, else the client or peer port
 * that took the default metrics port.
 */
export const portsDoNotClash: ParsedRule = ({ etcd, metrics }) => {
  const problems: Diagnostic[] = [];
  if (etcd.clientPort === etcd.peerPort)
    problems.push({ severity: "error", path: ["etcd", "peerPort"], message: `peerPort ${etcd.peerPort} is also the clientPort: etcd cannot listen twice on one port; use 2380 (or another free port)` });
  const metricsPort = metrics.port ?? DEFAULT_METRICS_PORT;
  for (const key of ["clientPort", "peerPort"] as const) {
    if (etcd[key] !== metricsPort) continue;
    if (metrics.port !== undefined)
      problems.push({ severity: "error", path: ["metrics", "port"], message: `metrics port ${metricsPort} is also etcd.${key}: etcd cannot listen twice on one port; use ${DEFAULT_METRICS_PORT} (or another free port)` });
    else
      problems.push({ severity: "error", path: ["etcd", key], message: `${key} ${metricsPort} is etcd's metrics port on every member: use ${key === "clientPort" ? 2379 : 2380} (or another free port), or move the metrics with metrics.port` });
  }
  return problems;
};

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

/** What a host's static network says about its own address and its gateway, both inside the host's prefix. */
export const addressesFitSubnet: ParsedRule = ({ hosts, defaults }) =>
  hosts.flatMap((host, i) => {
    const network = { ...defaults.network, ...host.network };
    const address = parseIpAddress(host.address);
    if (network.prefix === undefined || !address || network.prefix > address.bytes.length * 8) return [];
    const { prefix } = network;
    const problems: Diagnostic[] = [];
    // IPv4's network and broadcast addresses; IPv6's all-zero host part is the subnet-router anycast address (RFC 4291).
    const subnetEdge = (ip: IpAddress) =>
      ip.family === 4
        ? prefix <= 30 && hostBitsAll(ip, prefix, 0) ? "network" : prefix <= 30 && hostBitsAll(ip, prefix, 1) ? "broadcast" : undefined
        : prefix <= 126 && hostBitsAll(ip, prefix, 0) ? "subnet-router anycast" : undefined;
    const edge = subnetEdge(address);
    if (edge)
      problems.push({ severity: "error", path: ["hosts", i, "address"], message: `${host.address} is the ${edge} address of its /${prefix} subnet, not one a host can have: pick an address between` });
    const gateway = network.gateway === undefined ? undefined : parseIpAddress(network.gateway);
    if (!gateway || gateway.family !== address.family) return problems;
    const where = host.network?.gateway ? ["hosts", i, "network", "gateway"] : ["defaults", "network", "gateway"];
    if (formatIpAddress(gateway) === formatIpAddress(address))
      problems.push({ severity: "error", path: where, message: `gateway ${network.gateway} is ${host.name}'s own address: write the router's address` });
    else if (!sameSubnet(gateway, address, prefix) && !(gateway.family === 6 && specialKind(gateway) === "link-local"))
      problems.push({ severity: "error", path: where, message: `gateway ${network.gateway} is outside ${host.name}'s subnet ${host.address}/${prefix}, so the host cannot reach it: write a router on that subnet, or fix the prefix` });
    // (An IPv6 router may well answer at the subnet-router anycast address: only IPv4's edges are refused here.)
    else if (gateway.family === 4 && subnetEdge(gateway))
      problems.push({ severity: "error", path: where, message: `gateway ${network.gateway} is the ${subnetEdge(gateway)} address of the /${prefix} subnet: write the router's address` });
    return problems;
  });

/** A MAC in defaults would be every host's: it belongs to one machine. */
export const macAddressNotShared: ParsedRule = ({ hosts, defaults }) =>
  defaults.network?.macAddress !== undefined && hosts.filter((host) => host.network?.macAddress === undefined).length > 1
    ? [{ severity: "error", path: ["defaults", "network", "macAddress"], message: "a MAC address names one machine's NIC, not every host's: move it to that host's network, or match by interface instead" }]
    : [];

const SUGGESTED_MAX_QUOTA = 8 * 2 ** 30;

export const quotaWithinEtcdGuidance: ParsedRule = (_spec, { tuning }) =>
  tuning.quotaBackendBytes > SUGGESTED_MAX_QUOTA
    ? [{ severity: "warning", path: ["tuning", "quotaBackendBytes"], message: `${tuning.quotaBackendBytes} bytes is above etcd's suggested maximum of 8GiB (8589934592): a larger database slows recovery and defragmentation` }]
    : [];

export const memberCountWithinGuidance: ParsedRule = ({ hosts }) =>
  hosts.length > 7
    ? [{ severity: "warning", path: ["hosts"], message: `${hosts.length} members: etcd's guidance is at most 7, since each one more slows every write (every member must take it) without much more fault tolerance` }]
    : [];

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

/** A folder or file:// URL on the build machine can feed overlays, but a host booting elsewhere cannot download from it. */
export const bootDownloadsNeedUrl: ParsedRule = ({ etcd }, { targets }) => {
  if (/^https?:\/\//.test(etcd.downloadUrl)) return [];
  const downloaders = targets.filter((t) => t.format === "cloud-init" || etcd.install === "fetch");
  return downloaders.length === 0
    ? []
    : [{ severity: "error", path: ["etcd", "downloadUrl"], message: `${downloaders[0]?.name} hosts download etcd at first boot and cannot reach a folder on this machine (a path or file:// URL): use an http(s):// mirror` }];
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

export const RAW_RULES: RawRule[] = [uniqueHostNames, uniqueHostAddresses, uniqueClients, uniqueMacAddresses, uniqueCertificateNames];
export const PARSED_RULES: ParsedRule[] = [
  electionTimeoutFitsHeartbeat,
  portsDoNotClash,
  staticNetworkIsComplete,
  addressesFitSubnet,
  macAddressNotShared,
  certificateCommonNamesAreDistinct,
  atLeastOneClient,
  leafValidityWithinCa,
  targetSupportsArch,
  storageFitsTarget,
  bootDownloadsNeedUrl,
  backupScheduleFitsTargets,
  backupDirOutsideDataDir,
  quotaWithinEtcdGuidance,
  memberCountWithinGuidance,
  evenMemberCount,
];
