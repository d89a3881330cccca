// No spec string can add a line, a directive or a command to any generated file. For every string
// field of the spec — found by walking the zod schema itself, so a field added later is covered
// without touching this test — and for --pki and --out, each hostile value (line breaks, quotes,
// $(), backticks, ;, {a,b}, %, NUL, non-ASCII, and combinations, alone and after a valid value) is
// either refused with a diagnostic at that field with file:line, or the real pipeline runs and every
// generated file is read back with its real parser (PyYAML, sh, and each line format's rules) into
// exactly what the valid spec gave, with the value swapped in: no extra line, directive or command.

import assert from "node:assert/strict";
import { pbkdf2Sync } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { z } from "zod";
import { encodeOutputTree, type OutputFile } from "../../src/encoders/output-tree.js";
import { toYaml } from "../../src/encoders/yaml.js";
import { planCluster } from "../../src/plan/plan-host.js";
import { formatDiagnostic, formatPath, type PathSegment } from "../../src/spec/diagnostics.js";
import { assembleSpec } from "../../src/spec/load-spec.js";
import { loadProfiles } from "../../src/spec/profiles.js";
import { buildSpecSchema } from "../../src/spec/schema.js";
import { readTarGz } from "../harness/archive.js";
import { readShellWords } from "../harness/shell-words.js";
import { requirePrerequisites, SYSTEM_PYTHON } from "../harness/prerequisites.js";
import { loadWithPyYaml } from "../harness/pyyaml.js";
import { runCli, standInPki, tempDir } from "../support.js";

const profiles = await loadProfiles();

/** A spec that reaches every renderer: two cloud-init hosts (by interface, by MAC), two Pis (static network, Wi-Fi via defaults), ssh, ntp. */
const BASE_SPEC = {
  apiVersion: "etcdboot/v1alpha1",
  cluster: { name: "qcluster", token: "qtoken-7" },
  etcd: { version: "3.6.14", downloadUrl: "https://mirror.example.internal/etcd-releases", sha256: { amd64: "ab".repeat(32) }, install: "fetch" },
  tls: { algorithm: "ecdsa-p256", subject: { C: "DE", ST: "Some State", L: "Springfield", O: "Example Org", OU: "Lab Unit" } },
  tuning: { preset: "raspberry-pi", quotaBackendBytes: "4GiB", autoCompaction: { mode: "periodic", retention: "2h" } },
  defaults: { target: "debian-12", arch: "amd64", network: { prefix: 24, gateway: "10.1.2.254", dns: ["10.1.2.253"], interface: "eth9" } },
  hosts: [
    { name: "vm-alpha", address: "10.1.2.11", dnsNames: ["alpha.q.example"], target: "debian-12", arch: "amd64", network: { prefix: 24, gateway: "10.1.2.254", dns: ["10.1.2.252"], interface: "ens7" } },
    { name: "vm-beta", address: "10.1.2.12", target: "ubuntu-24.04", network: { prefix: 24, macAddress: "52:54:00:aa:bb:cc" } },
    { name: "pi-gamma", address: "10.1.2.13", target: "alpine-rpi", arch: "arm64", dnsNames: ["gamma.q.example"], network: { prefix: 24, gateway: "10.1.2.254", dns: ["10.1.2.251"], interface: "eth5" }, storage: { device: "LABEL=etcd-q", fsType: "ext4" } },
    { name: "pi-delta", address: "10.1.2.14", target: "alpine-rpi", arch: "arm64", storage: { device: "/dev/sdq1" }, wifi: { ssid: "q-wifi-net", psk: "correct horse battery", country: "NZ" } },
    { name: "vm-eps", address: "10.1.2.15" },
  ],
  clients: ["admin", "qclient", { name: "k3s-q", for: "k3s" }, { name: "api-q", for: "kube-apiserver" }],
  alpine: { branch: "v3.21", mirror: "https://alpine.example.internal/alpine", ntpServers: ["ntp-q.example.internal", "10.1.2.250"] },
  ssh: { authorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIQqQqQqQ ops@q"] },
  backup: { schedule: "daily", keep: 3, dir: "/var/backups/etcd-q" },
  metrics: { listen: "host", port: 9379 },
};
const BASE_PKI_DIR = "/srv/pki-q/qcluster";

const ATOMS = ["\n", "\r", "'", '"', "$(id)", "`id`", ";", "{a,b}", "%", "\0", "é", "日本", " ", "#", "\\", "\t", "\u0085", "\u2028"];
/** Each atom alone and after a valid value (which a loose validator may let through), plus combinations. */
function hostileValues(valid: string): string[] {
  return [
    ...ATOMS.flatMap((atom) => [atom, `${valid}${atom}`]),
    `${valid}\nup id`,
    `${valid}\r\ncmdallow all`,
    `${valid}\n  - injected`,
    `${valid}' ; id ; '`,
    `${valid}"$(id)"\`id\`;{a,b}%\0é日本`,
  ];
}

// ---- the string leaves of the schema ----------------------------------------------------------

type Pattern = (string | "*")[];

/** Every path whose value can be a string (string, enum, string literal, a union or pipe holding one); "*" for array items. */
function stringLeaves(schema: z.ZodType, path: Pattern = []): Pattern[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case "string":
    case "enum":
      return [path];
    case "literal":
      return (def["values"] as unknown[]).some((v) => typeof v === "string") ? [path] : [];
    case "object":
      return Object.entries(def["shape"] as Record<string, z.ZodType>).flatMap(([key, child]) => stringLeaves(child, [...path, key]));
    case "array":
      return stringLeaves(def["element"] as z.ZodType, [...path, "*"]);
    case "optional":
    case "default":
    case "nullable":
    case "prefault":
      return stringLeaves(def["innerType"] as z.ZodType, path);
    case "pipe":
      return stringLeaves(def["in"] as z.ZodType, path);
    case "union": {
      const found = (def["options"] as z.ZodType[]).flatMap((option) => stringLeaves(option, path));
      return [...new Map(found.map((p) => [JSON.stringify(p), p])).values()];
    }
    default:
      return [];
  }
}

/** The concrete paths of a pattern in the base spec: every array item, and the last key even where it is absent (its parent present). */
function concretePaths(value: unknown, pattern: Pattern, prefix: PathSegment[] = []): PathSegment[][] {
  if (pattern.length === 0) return [prefix];
  const [head, ...rest] = pattern;
  if (head === "*") return Array.isArray(value) ? value.flatMap((item, i) => concretePaths(item, rest, [...prefix, i])) : [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
  const child = (value as Record<string, unknown>)[head as string];
  if (child === undefined) return rest.length === 0 ? [[...prefix, head as string]] : [];
  return concretePaths(child, rest, [...prefix, head as string]);
}

function valueAt(root: unknown, path: PathSegment[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], root);
}

function withValue(root: unknown, path: PathSegment[], value: string): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  const parent = valueAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1] as string | number] = value;
  return copy;
}

// ---- the pipeline -----------------------------------------------------------------------------

/** One generated file, by where it ends up: an output path, or an output path plus the path on the host. */
interface Generated {
  key: string;
  content: string;
}

type Outcome = { rejected: string[] } | { files: Generated[] };

async function runPipeline(specObject: unknown, pkiDir = BASE_PKI_DIR): Promise<Outcome> {
  const result = assembleSpec("cluster.yaml", toYaml(specObject), profiles);
  if (!result.ok) return { rejected: result.diagnostics.filter((d) => d.severity === "error").map((d) => formatDiagnostic(result.source, d)) };
  const { spec } = result;
  const pki = standInPki(spec.hosts.map((h) => h.name), spec.clients.map((c) => c.name));
  const output = await encodeOutputTree(spec, planCluster(spec, { pki }), pki, pkiDir);
  return { files: (await Promise.all(output.map(unpack))).flat() };
}

/**
 * An overlay is its files; a seed image is nothing new (it holds the cloud-init files beside it,
 * byte for byte, under fixed names: test/integration/seed-image.test.ts reads it back with
 * xorriso, isoinfo and cloud-init); everything else is itself (user-data's files are read later,
 * through PyYAML).
 */
async function unpack(file: OutputFile): Promise<Generated[]> {
  if (file.path.endsWith(".iso")) return [];
  if (!file.path.endsWith(".apkovl.tar.gz")) return [{ key: file.path, content: Buffer.from(file.content).toString("utf8") }];
  const entries = await readTarGz(file.content as Uint8Array);
  return [
    { key: `${file.path}#listing`, content: entries.map((e) => `${e.type} ${e.mode.toString(8)} ${e.uid}:${e.gid} ${e.path} ${e.linkname ?? ""}`).join("\n") },
    ...entries.filter((e) => e.content).map((e) => ({ key: `${file.path}:/${e.path}`, content: e.content?.toString("utf8") ?? "" })),
  ];
}

// ---- reading each file back with its format's parser -----------------------------------------

/** How a file on a host is read back, by its path there (or the output file's name). */
function formatOf(path: string): "yaml" | "json" | "script" | "sourced" | "shell-words" | "words" | "hosts-words" | "lines" | "systemd" | "wpa" | "raw" {
  if (/(^|\/)(user-data|meta-data|network-config|k3s-config\.yaml)$|\.conf\.yml$|\/conf\.yml$/.test(path)) return "yaml";
  if (path.endsWith("kube-apiserver.flags")) return "shell-words";
  if (path.endsWith("manifest.json") || /^prometheus\/.*\.json$/.test(path)) return "json";
  if (/^prometheus\/.*\.yml$/.test(path)) return "yaml";
  if (/etcdboot-install-etcd$|\/etc\/init\.d\/etcd$/.test(path)) return "script";
  if (/etcdctl\.env$|\/etc\/conf\.d\/etcd$/.test(path)) return "sourced";
  if (/\/etc\/(hosts|resolv\.conf)$/.test(path)) return "hosts-words";
  if (/\/etc\/(network\/interfaces|chrony\/chrony\.conf|fstab|apk\/repositories|apk\/world|hostname)$/.test(path)) return "words";
  if (path.endsWith("authorized_keys")) return "lines";
  if (path.endsWith(".service")) return "systemd";
  if (path.endsWith("wpa_supplicant.conf")) return "wpa";
  return "raw";
}

/** Lines of whitespace-separated words as C's isspace() splits them (a CR is a separator too); "#" starts a comment word at the line start, or anywhere (hostsComments). */
function words(text: string, commentAnywhere: boolean): string[][] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const hash = commentAnywhere ? line.indexOf("#") : line.trimStart().startsWith("#") ? line.indexOf("#") : -1;
      const code = hash >= 0 ? line.slice(0, hash) : line;
      const tokens = code.split(/[ \t\r\v\f]+/).filter((t) => t !== "");
      return hash >= 0 ? [...tokens, line.slice(hash)] : tokens;
    });
}

/** wpa_supplicant's config reader (wpa_config_get_line, wpa_config_parse_string) as [key, value] pairs, psk as the key it derives. */
function wpaEntries(text: string): [string, string][] {
  const entries: { key: string; value: string; quoted: boolean }[] = [];
  for (const raw of text.split("\n")) {
    let line = raw.replace(/^[ \t\r]+/, "");
    if (line === "" || line.startsWith("#")) continue;
    // A "#" ends the line unless it sits between the quote pairs the reader finds, left to right.
    let end = line.indexOf("#");
    let start = 0;
    while (end >= 0) {
      const open = line.indexOf('"', start);
      if (open < 0 || open > end) break;
      const close = line.indexOf('"', open + 1);
      if (close < 0) break;
      start = close + 1;
      if (start > end) end = line.indexOf("#", start);
    }
    if (end >= 0) line = line.slice(0, end);
    line = line.replace(/[\n \t\r]+$/, "");
    const eq = line.indexOf("=");
    const key = eq < 0 ? line : line.slice(0, eq);
    const value = eq < 0 ? "" : line.slice(eq + 1);
    // Quoted: up to the last '"', which must end the line; unquoted: an SSID is hex, anything else is as written.
    const quoted = value.length >= 2 && value.startsWith('"') && value.endsWith('"');
    entries.push({ key, quoted, value: quoted ? value.slice(1, -1) : key === "ssid" ? Buffer.from(value, "hex").toString("utf8") : value });
  }
  const ssid = entries.find((e) => e.key === "ssid")?.value ?? "";
  return entries.map(({ key, value, quoted }): [string, string] =>
    key === "psk" ? [key, quoted ? pbkdf2Sync(value, Buffer.from(ssid, "utf8"), 4096, 32, "sha1").toString("hex") : value.toLowerCase()] : [key, value],
  );
}

/** A wpa view made from the valid spec's view with the value swapped in: the psk is derived again from the swapped passphrase and SSID. */
function wpaExpected(view: [string, string][], passphrase: string, ssid: string): [string, string][] {
  return view.map(([key, value]) => [key, key === "psk" ? pbkdf2Sync(passphrase, Buffer.from(ssid, "utf8"), 4096, 32, "sha1").toString("hex") : value]);
}

const SH = "/bin/sh";
/** Prints each named variable NUL-terminated after sourcing $1, with no command on PATH: an injected command shows on stderr. */
const PRINT_VARIABLES = String.raw`. "$1" || exit 97; shift; for n do eval "v=\${$n-}"; printf '%s\0' "$v"; done`;

interface ShellView {
  syntax: string;
  variables: Record<string, string>;
  stderr: string;
  /** For a script, the text after its assignments (which must not carry a spec value). */
  rest?: string;
}

async function shellView(content: string, whole: boolean, dir: string, index: number): Promise<ShellView> {
  const file = join(dir, `script-${index}`);
  await writeFile(file, content);
  const syntax = spawnSync(SH, ["-n", file], { encoding: "utf8" });
  // A script's assignments are the lines before its first constant setting; a sourced file is all assignments.
  const cut = whole ? content.length : content.search(/^(ATTEMPTS=|supervisor=)/m);
  const sourced = content.slice(0, cut < 0 ? content.length : cut);
  const names = [...sourced.matchAll(/^(?:export )?([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1] as string);
  const part = join(dir, `sourced-${index}`);
  await writeFile(part, sourced);
  const run = spawnSync(SH, ["-c", PRINT_VARIABLES, "sh", part, ...names], { encoding: "buffer", env: { PATH: "/nonexistent" } });
  const values = run.stdout.toString("utf8").split("\0").slice(0, -1);
  return {
    syntax: `${syntax.status} ${syntax.stderr}`.trim(),
    variables: Object.fromEntries(names.map((name, i) => [name, values[i] ?? "<missing>"])),
    stderr: `${run.status} ${run.stderr.toString("utf8")}`.trim(),
    ...(whole ? {} : { rest: content.slice(sourced.length) }),
  };
}

/** Every generated file (and every file inside user-data) of many pipeline runs, read back; one PyYAML process per level. */
async function readBack(runs: Generated[][], dir: string): Promise<Map<string, unknown>[]> {
  const views = runs.map(() => new Map<string, unknown>());
  const yamlQueue: { run: number; key: string; content: string }[] = [];
  const later: { run: number; key: string; content: string }[] = [];
  let scripts = 0;
  const shellCache = new Map<string, Promise<ShellView>>();
  const view = async (run: number, key: string, content: string) => {
    const format = formatOf(key);
    const set = (v: unknown) => views[run]?.set(key, v);
    if (format === "yaml") yamlQueue.push({ run, key, content });
    else if (format === "json") set(key.endsWith("manifest.json") ? normaliseManifest(JSON.parse(content)) : JSON.parse(content));
    else if (format === "script" || format === "sourced") {
      const cacheKey = `${format}\0${content}`;
      if (!shellCache.has(cacheKey)) shellCache.set(cacheKey, shellView(content, format === "sourced", dir, scripts++));
      set(await shellCache.get(cacheKey));
    } else if (format === "shell-words") set(readShellWords(content));
    else if (format === "words" || format === "hosts-words") set(words(content, format === "hosts-words"));
    else if (format === "lines") set(content.split("\n"));
    else if (format === "systemd") set(content.split("\n").map((line) => line.replaceAll("%%", "%")));
    else if (format === "wpa") set(wpaEntries(content));
    else set(content);
  };
  for (const [run, files] of runs.entries()) for (const file of files) await view(run, file.key, file.content);
  // Two levels: the cloud-init files, then the files user-data carries (some of them YAML again).
  for (let level = 0; level < 2 && yamlQueue.length > 0; level++) {
    const batch = yamlQueue.splice(0);
    // Most runs share most files: each distinct text is loaded once.
    const texts = [...new Set(batch.map((b) => b.content))];
    const loadedTexts = loadWithPyYaml(texts)["PyYAML"] ?? [];
    const loaded = new Map(texts.map((text, i) => [text, loadedTexts[i]]));
    for (const item of batch) {
      const result = loaded.get(item.content);
      views[item.run]?.set(item.key, item.key.endsWith("meta-data") ? normaliseMetaData(result) : result);
      const writeFiles = (result?.value as { write_files?: { path: string; content: string; encoding?: string }[] } | undefined)?.write_files ?? [];
      for (const entry of writeFiles) later.push({ run: item.run, key: `${item.key}:${entry.path}`, content: entry.encoding === "b64" ? Buffer.from(entry.content, "base64").toString("utf8") : entry.content });
    }
    for (const item of later.splice(0)) await view(item.run, item.key, item.content);
  }
  return views;
}

/** instance-id ends in a digest of the content, which any changed value changes. */
function normaliseMetaData(loaded: unknown): unknown {
  const value = (loaded as { value?: Record<string, unknown> }).value;
  return value ? { ...loaded as object, value: { ...value, "instance-id": String(value["instance-id"]).replace(/-[0-9a-f]{12}$/, "-<digest>") } } : loaded;
}

function normaliseManifest(manifest: { files: { path: string }[] }): unknown {
  return { ...manifest, files: manifest.files.map((f) => f.path) };
}

/** The valid spec's view with every occurrence of its value replaced by the hostile one. */
function swapped(view: unknown, from: string, to: string): unknown {
  if (typeof view === "string") return view.replaceAll(from, to);
  if (Array.isArray(view)) return view.map((v) => swapped(v, from, to));
  if (typeof view === "object" && view !== null) return Object.fromEntries(Object.entries(view).map(([k, v]) => [swapped(k, from, to), swapped(v, from, to)]));
  return view;
}

function expectedViews(base: Map<string, unknown>, from: string, to: string, spec: typeof BASE_SPEC): Map<string, unknown> {
  const wifi = (spec.hosts.find((h) => "wifi" in h) as { wifi: { ssid: string; psk: string } }).wifi;
  return new Map(
    [...base].map(([key, view]) => {
      const swappedView = swapped(view, from, to);
      return [key, formatOf(key) === "wpa" ? wpaExpected(swappedView as [string, string][], wifi.psk, wifi.ssid) : swappedView];
    }),
  );
}

// ---- the test --------------------------------------------------------------------------------

const schema = buildSpecSchema(profiles);
const leaves = stringLeaves(schema);

describe("hostile strings in every spec field", () => {
  test("the schema walk finds the string fields, and the base spec reaches each of them", () => {
    const names = leaves.map((p) => p.join("."));
    for (const known of ["hosts.*.network.interface", "alpine.ntpServers.*", "hosts.*.wifi.ssid", "hosts.*.storage.device", "ssh.authorizedKeys.*", "tls.subject.O", "etcd.downloadUrl"])
      assert.ok(names.includes(known), `the schema walk missed ${known}`);
    const unreached = leaves.filter((p) => concretePaths(BASE_SPEC, p).length === 0).map((p) => p.join("."));
    assert.deepEqual(unreached, [], "string fields the base spec does not reach: add them to BASE_SPEC");
  });

  test("each value is refused at its field with file:line, or every file carrying it reads back as exactly that value", async (t) => {
    if (!requirePrerequisites(t, { commands: [SYSTEM_PYTHON, SH], pythonModules: ["yaml"] })) return;
    const base = await runPipeline(BASE_SPEC);
    assert.ok("files" in base, `the base spec must be valid: ${"rejected" in base ? base.rejected.join("\n") : ""}`);
    const cases: { field: string; from: string; to: string; spec: typeof BASE_SPEC }[] = [];
    const runs: Generated[][] = [base.files];
    const failures: string[] = [];
    let rejected = 0;
    const started = performance.now();
    for (const pattern of leaves) {
      for (const path of concretePaths(BASE_SPEC, pattern)) {
        const field = formatPath(path);
        const valid = valueAt(BASE_SPEC, path);
        for (const value of hostileValues(typeof valid === "string" ? valid : "")) {
          const spec = withValue(BASE_SPEC, path, value) as typeof BASE_SPEC;
          let outcome: Outcome;
          try {
            outcome = await runPipeline(spec);
          } catch (error) {
            failures.push(`${field} = ${JSON.stringify(value)}: the pipeline threw (a validator let it through): ${(error as Error).message}`);
            continue;
          }
          if ("rejected" in outcome) {
            rejected++;
            const at = new RegExp(`^cluster\\.yaml:\\d+:\\d+: error: ${field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `);
            if (!outcome.rejected.some((d) => at.test(d))) failures.push(`${field} = ${JSON.stringify(value)}: refused, but not at ${field}:\n${outcome.rejected.join("\n")}`);
            continue;
          }
          if (typeof valid !== "string") {
            failures.push(`${field} = ${JSON.stringify(value)}: accepted where the base spec has no value to compare with: give it one in BASE_SPEC`);
            continue;
          }
          cases.push({ field, from: valid, to: value, spec });
          runs.push(outcome.files);
        }
      }
    }
    const piped = performance.now();
    const dir = await tempDir("hostile");
    try {
      const [baseViews, ...caseViews] = await readBack(runs, dir);
      assert.ok(baseViews);
      for (const [key, view] of baseViews) {
        assert.ok(!(view as { error?: string }).error, `${key} of the base spec does not parse: ${JSON.stringify(view)}`);
        if (formatOf(key) === "script" || formatOf(key) === "sourced") assert.match(JSON.stringify(view), /"syntax":"0","variables":.*"stderr":"0"/, `${key} of the base spec: ${JSON.stringify(view)}`);
        if (formatOf(key) === "shell-words") assert.match(JSON.stringify(view), /^\{"words":\["--etcd-servers=https:.*"\],"stderr":"0"\}$/, `${key} of the base spec: ${JSON.stringify(view)}`);
      }
      for (const [i, c] of cases.entries()) {
        const expected = expectedViews(baseViews, c.from, c.to, c.spec);
        const actual = caseViews[i] ?? new Map();
        for (const key of new Set([...expected.keys(), ...actual.keys()])) {
          try {
            assert.deepStrictEqual(actual.get(key), expected.get(key));
          } catch {
            failures.push(`${c.field} = ${JSON.stringify(c.to)}: ${key} reads back as ${JSON.stringify(actual.get(key))}, expected ${JSON.stringify(expected.get(key))}`);
          }
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const seconds = (from: number, to: number) => ((to - from) / 1000).toFixed(1);
    t.diagnostic(`${leaves.length} string fields, ${rejected} values refused, ${cases.length} accepted and read back (pipeline ${seconds(started, piped)} s, read-back ${seconds(piped, performance.now())} s)`);
    assert.ok(cases.length > 0, "some hostile values (an SSID, a passphrase, an ssh key comment) are legal and must have been read back");
    assert.deepEqual(failures.slice(0, 15), [], `${failures.length} failures`);
  });
});

describe("hostile --pki and --out paths", () => {
  test("a build writes etcdctl.env that sources back to the exact PKI paths, or refuses the path cleanly", async (t) => {
    if (!requirePrerequisites(t, { commands: [SH] })) return;
    const root = await tempDir("hostile-paths");
    try {
      const specFile = join(root, "cluster.yaml");
      await writeFile(specFile, "apiVersion: etcdboot/v1alpha1\ncluster: {name: paths}\nhosts:\n  - {name: etcd-1, address: 10.0.0.1}\n");
      const failures: string[] = [];
      for (const [i, atom] of ATOMS.entries()) {
        const pkiRoot = join(root, `pki-${i}${atom}x`);
        const outRoot = join(root, `out-${i}${atom}x`);
        const result = await runCli(["build", specFile, "--pki", pkiRoot, "--out", outRoot, "--offline", "--quiet"]);
        if (result.code !== 0) {
          // Only NUL cannot be in a Linux path: that one is refused, as a usage error without a stack.
          if (atom !== "\0" || result.code !== 2 || /internal error/.test(result.err)) failures.push(`${JSON.stringify(atom)}: exit ${result.code}: ${result.err}`);
          continue;
        }
        const env = join(outRoot, "paths", "etcdctl.env");
        const view = await shellView(await readFile(env, "utf8"), true, root, 1000 + i);
        const pkiDir = join(pkiRoot, "paths");
        const expected = { ETCDCTL_CACERT: join(pkiDir, "ca.crt"), ETCDCTL_CERT: join(pkiDir, "clients", "admin.crt"), ETCDCTL_KEY: join(pkiDir, "clients", "admin.key") };
        for (const [name, path] of Object.entries(expected)) if (view.variables[name] !== path) failures.push(`${JSON.stringify(atom)}: ${name} sources as ${JSON.stringify(view.variables[name])}, not ${JSON.stringify(path)}`);
        if (view.syntax !== "0" || view.stderr !== "0") failures.push(`${JSON.stringify(atom)}: etcdctl.env: ${JSON.stringify(view)}`);
        if (!existsSync(view.variables["ETCDCTL_KEY"] ?? "")) failures.push(`${JSON.stringify(atom)}: the admin key is not where etcdctl.env says`);
      }
      assert.deepEqual(failures, []);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
