// Spec text → validated Spec, in butane's order: parse YAML → check apiVersion → schema
// (unknown keys rejected) → cross-field rules → resolve defaults and profiles. All problems are
// collected and returned together; nothing here touches the disk except readSpec.

import { open } from "node:fs/promises";
import { UsageError } from "../errors.js";
import { DEFAULT_METRICS_PORT } from "../etcd/layout.js";
import { parseEtcdVersion } from "../etcd/version.js";
import { sourceText, type Diagnostic, type SourceText } from "./diagnostics.js";
import { MAX_SPEC_BYTES, parseSpecYaml } from "./parse-yaml.js";
import { loadProfiles, type Profiles } from "./profiles.js";
import { PARSED_RULES, RAW_RULES } from "./rules.js";
import { API_VERSION, buildSpecSchema, type RawSpec } from "./schema.js";
import { describeIssue } from "./zod-issues.js";
import type { Host, Spec, StaticNetwork, TargetProfile, Tuning } from "./types.js";

export type SpecResult =
  | { ok: true; spec: Spec; warnings: Diagnostic[]; source: SourceText }
  | { ok: false; diagnostics: Diagnostic[]; source: SourceText };

const DEFAULT_TARGET = "debian-12";

export async function readSpec(file: string, profiles?: Profiles): Promise<SpecResult> {
  const { text, byteLength } = await readBounded(file).catch((error: NodeJS.ErrnoException) => {
    const why = error.code === "ENOENT" ? "no such file (etcdboot init writes a starter spec)" : error.message;
    throw new UsageError(`cannot read spec ${file}: ${why}`);
  });
  return assembleSpec(file, text, profiles ?? (await loadProfiles()), byteLength);
}

/** The spec's text, but never more than one byte past the size limit: a huge file is refused unread. */
async function readBounded(file: string): Promise<{ text: string; byteLength: number }> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    if (size <= MAX_SPEC_BYTES) {
      const text = await handle.readFile("utf8");
      return { text, byteLength: Buffer.byteLength(text) };
    }
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return { text: head.subarray(0, bytesRead).toString("utf8"), byteLength: size };
  } finally {
    await handle.close();
  }
}

/** `byteLength` is the size of the whole spec when `text` is only its start (see readBounded). */
export function assembleSpec(file: string, text: string, profiles: Profiles, byteLength = Buffer.byteLength(text)): SpecResult {
  const yaml = parseSpecYaml(text, byteLength);
  const source = sourceText(file, text, yaml.document);
  const fail = (diagnostics: Diagnostic[]): SpecResult => ({ ok: false, diagnostics, source });
  if (!yaml.ok) return fail(yaml.diagnostics);

  const raw = yaml.value;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    return fail([{ severity: "error", path: [], message: `a spec is a YAML mapping that starts with "apiVersion: ${API_VERSION}"` }]);
  const apiVersion = (raw as Record<string, unknown>)["apiVersion"];
  if (apiVersion !== API_VERSION)
    return fail([
      {
        severity: "error",
        path: apiVersion === undefined ? [] : ["apiVersion"],
        message:
          apiVersion === undefined
            ? `missing apiVersion: put "apiVersion: ${API_VERSION}" at the top`
            : `unknown apiVersion ${JSON.stringify(apiVersion)}: this etcdboot reads ${API_VERSION}`,
      },
    ]);

  const schema = buildSpecSchema(profiles);
  const parsed = schema.safeParse(normaliseShorthands(raw as Record<string, unknown>), { reportInput: true });
  const rawProblems = RAW_RULES.flatMap((rule) => rule(raw));
  if (!parsed.success) return fail([...parsed.error.issues.flatMap((issue) => describeIssue(issue, schema)), ...rawProblems]);

  const tuning = resolveTuning(parsed.data, profiles);
  const targets = parsed.data.hosts.map((host) => targetOf(host, parsed.data.defaults, profiles));
  const problems = distinct([...rawProblems, ...PARSED_RULES.flatMap((rule) => rule(parsed.data, { tuning, targets }))]);
  const errors = problems.filter((p) => p.severity === "error");
  if (errors.length > 0) return fail(problems);
  return { ok: true, spec: resolveSpec(parsed.data, tuning, profiles), warnings: problems, source };
}

/** A rule about shared defaults fires once per host: say it once. */
function distinct(problems: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = JSON.stringify([p.path, p.message]);
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** `tuning: raspberry-pi` is short for `tuning: {preset: raspberry-pi}`. */
function normaliseShorthands(raw: Record<string, unknown>): Record<string, unknown> {
  return typeof raw["tuning"] === "string" ? { ...raw, tuning: { preset: raw["tuning"] } } : raw;
}

/**
 * The spec's preset, else the one a host's target asks for (a Raspberry Pi in the cluster slows
 * every member's timeouts: they must agree), else "default"; then the explicit overrides.
 */
function resolveTuning(raw: RawSpec, profiles: Profiles): Tuning {
  const { preset: named, ...overrides } = raw.tuning;
  const fromTargets = raw.hosts.map((host) => targetOf(host, raw.defaults, profiles).defaultTuning).find((p) => p !== undefined);
  const preset = named ?? fromTargets ?? "default";
  const base = profiles.tuningPresets.get(preset);
  if (!base) throw new Error(`tuning preset ${preset} passed validation but is not loaded`);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  return { ...base, ...defined };
}

function resolveSpec(raw: RawSpec, tuning: Tuning, profiles: Profiles): Spec {
  const version = parseEtcdVersion(raw.etcd.version);
  if (!version) throw new Error(`etcd version ${raw.etcd.version} passed validation but does not parse`);
  return {
    cluster: { name: raw.cluster.name, token: raw.cluster.token ?? `${raw.cluster.name}-etcd` },
    etcd: { version, downloadUrl: raw.etcd.downloadUrl.replace(/\/+$/, ""), sha256: raw.etcd.sha256, clientPort: raw.etcd.clientPort, peerPort: raw.etcd.peerPort },
    tls: raw.tls,
    tuning,
    hosts: raw.hosts.map((host) => resolveHost(host, raw.defaults, profiles)),
    clients: raw.clients,
    alpine: { ...raw.alpine, etcdInstall: raw.etcd.install },
    metrics: { listen: raw.metrics.listen, port: raw.metrics.port ?? DEFAULT_METRICS_PORT },
    ...(raw.ssh ? { ssh: raw.ssh } : {}),
    ...(raw.backup ? { backup: raw.backup } : {}),
  };
}

function targetOf(host: RawSpec["hosts"][number], defaults: RawSpec["defaults"], profiles: Profiles): TargetProfile {
  const name = host.target ?? defaults.target ?? DEFAULT_TARGET;
  const target = profiles.targets.get(name);
  if (!target) throw new Error(`target ${name} passed validation but is not loaded`);
  return target;
}

function resolveHost(host: RawSpec["hosts"][number], defaults: RawSpec["defaults"], profiles: Profiles): Host {
  const target = targetOf(host, defaults, profiles);
  const network = host.network || defaults.network ? { ...defaults.network, ...host.network } : undefined;
  const resolved: Host = { name: host.name, address: host.address, dnsNames: host.dnsNames, arch: host.arch ?? defaults.arch ?? "amd64", target };
  if (network?.prefix !== undefined) resolved.network = staticNetwork({ ...network, prefix: network.prefix }, target.defaultInterfaceMatch);
  if (host.storage) resolved.storage = host.storage;
  if (host.wifi) resolved.wifi = host.wifi;
  return resolved;
}

function staticNetwork(
  network: NonNullable<RawSpec["defaults"]["network"]> & { prefix: number },
  defaultMatch: { name: string },
): StaticNetwork {
  const match = network.macAddress ? { macAddress: network.macAddress.toLowerCase() } : { name: network.interface ?? defaultMatch.name };
  const resolved: StaticNetwork = { prefixLength: network.prefix, dns: network.dns ?? [], match };
  if (network.gateway) resolved.gateway = network.gateway;
  return resolved;
}
