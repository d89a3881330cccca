// The command line. main() takes argv and returns the exit code, so tests call it directly;
// only bin/etcdboot.js touches process.argv and the exit code.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { EXIT_FAILURE, EXIT_USAGE, UsageError, UserError } from "../errors.js";
import { fileSystemFaultMessage } from "./file-system-fault.js";
import { HELP } from "./help.js";
import type { BuildReport } from "../ops/build.js";
import type { ClusterSession } from "../ops/cluster.js";
import { upToDateSummary, writeStamp, type BuildSummary } from "../ops/up-to-date.js";
import type { PkiReport } from "../pki/types.js";
import { PACKAGE_DIR } from "../paths.js";
import { defaultCacheDir } from "../release/cache-dir.js";
import type { FetchOptions } from "../release/fetch-release.js";
import { progressReporter, silentProgress, type ProgressStream } from "../release/progress.js";

// Each command loads its own part of the pipeline when it runs (dynamic import): an up-to-date
// build, --help and init start in a fraction of the time loading all of it takes.

/** EC2 refuses user-data over 16 KiB (other clouds allow more): worth a warning, not an error. */
const EC2_USER_DATA_LIMIT = 16 * 1024;

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Injected clock: tests fix it. */
  now: () => Date;
  /** Where download progress goes (a live bar when it is a terminal); default: nowhere. */
  progress?: ProgressStream;
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  now: () => new Date(),
  progress: process.stderr,
};

const fetchOptions = {
  "cache-dir": { type: "string" },
  offline: { type: "boolean", default: false },
  quiet: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} satisfies ParseArgsConfig["options"];

const buildOptions = {
  ...fetchOptions,
  out: { type: "string", default: "output" },
  pki: { type: "string", default: "pki" },
  "replace-ca": { type: "boolean", default: false },
  check: { type: "boolean", default: false },
  strict: { type: "boolean", default: false },
  "no-seed-image": { type: "boolean", default: false },
} satisfies ParseArgsConfig["options"];

function fetchSettings(values: { "cache-dir"?: string | undefined; offline: boolean; quiet: boolean }, io: Io): FetchOptions {
  return {
    cacheDir: values["cache-dir"] ?? defaultCacheDir(),
    offline: values.offline,
    progress: io.progress ? progressReporter({ stream: io.progress, quiet: values.quiet }) : silentProgress,
  };
}

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T, maxPositionals: number) {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    if (parsed.positionals.length > maxPositionals) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}`);
    // Every other byte is legal in a Linux path (and is quoted wherever a path is written); NUL ends it.
    const withNul = args.find((arg) => arg.includes("\0"));
    if (withNul !== undefined) throw new UsageError(`${JSON.stringify(withNul)} holds a NUL byte, which no file name can: remove it`);
    return parsed;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UsageError((error as Error).message);
  }
}

async function build(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, buildOptions, 1);
  if (values.help) return (io.out(HELP.build), 0);
  const specFile = positionals[0] ?? "cluster.yaml";
  const stampRequest = { specFile, outRoot: values.out, pkiRoot: values.pki, strict: values.strict, seedImage: !values["no-seed-image"] };
  const stamped = !values.check && !values["replace-ca"];
  const upToDate = stamped ? await upToDateSummary(stampRequest, io.now()) : undefined;
  if (upToDate) return (printBuild(io, upToDate, undefined, false), 0);

  const { runBuild } = await import("../ops/build.js");
  const report = await runBuild({
    specFile,
    outRoot: values.out,
    pkiRoot: values.pki,
    replaceCa: values["replace-ca"],
    check: values.check,
    strict: values.strict,
    seedImage: !values["no-seed-image"],
    now: io.now(),
    fetch: fetchSettings(values, io),
    // Under the PKI lock, after every file: a failed or killed build leaves no stamp vouching for it.
    afterWrite: async (built) => {
      if (stamped && built.renewBy) await writeStamp(stampRequest, summaryOf(built), built.renewBy);
    },
  });
  if (values.check) {
    for (const warning of report.warnings) io.err(warning);
    return (io.out(`${specFile}: valid (${report.spec.hosts.length} hosts)`), 0);
  }
  printBuild(io, summaryOf(report), report.pki, report.changed ?? false);
  return 0;
}

function summaryOf(report: BuildReport): BuildSummary {
  if (!report.outputDir || !report.pkiDir) throw new Error("a build returned no output or PKI folder");
  return { warnings: report.warnings, outputDir: report.outputDir, pkiDir: report.pkiDir, hostArtifacts: report.hostArtifacts };
}

function printBuild(io: Io, summary: BuildSummary, pki: PkiReport | undefined, changed: boolean): void {
  for (const warning of summary.warnings) io.err(warning);
  for (const note of pki?.notes ?? []) io.out(note);
  if (pki?.caCreated) io.out(`created CA in ${summary.pkiDir}`);
  for (const issued of pki?.issued ?? []) io.out(`issued ${issued.kind} certificate ${issued.name} (${issued.reason})`);
  for (const { host, file, bytes } of summary.hostArtifacts) {
    const note = file === "user-data" && bytes > EC2_USER_DATA_LIMIT ? `  WARNING: over EC2's ${EC2_USER_DATA_LIMIT} byte limit` : "";
    io.out(`${host}: ${file} ${bytes} bytes${note}`);
  }
  io.out(changed ? `wrote ${summary.outputDir}` : `${summary.outputDir} is up to date`);
}

async function pin(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, fetchOptions, 1);
  if (values.help) return (io.out(HELP.pin), 0);
  const { runPin } = await import("../ops/pin.js"); // loads the HTTP client: only pin and build with bundled releases need it
  const report = await runPin({ specFile: positionals[0] ?? "cluster.yaml", fetch: fetchSettings(values, io) });
  report.releases.forEach((release, i) => io.out(`etcd ${release.version} ${release.arch}: sha256 ${release.sha256} (${report.verified[i]})`));
  io.out(report.changed ? `wrote ${report.lockPath}` : `${report.lockPath} is up to date`);
  return 0;
}

async function plan(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...fetchOptions, out: { type: "string", default: "output" }, pki: { type: "string", default: "pki" }, json: { type: "boolean", default: false }, "no-seed-image": { type: "boolean", default: false } }, 1);
  if (values.help) return (io.out(HELP.plan), 0);
  const specFile = positionals[0] ?? "cluster.yaml";
  const [{ runBuild }, { assembleChangePlan, formatChangePlan }] = await Promise.all([import("../ops/build.js"), import("../state/change-plan.js")]);
  const report = await runBuild({ specFile, outRoot: values.out, pkiRoot: values.pki, replaceCa: false, check: false, strict: false, seedImage: !values["no-seed-image"], now: io.now(), fetch: fetchSettings(values, io), dryRun: true });
  if (!report.state) throw new Error("a dry-run build returned no state");
  const changes = assembleChangePlan(report.previousState, report.state, report.pki, specFile);
  io.out(values.json ? JSON.stringify(changes, null, 2) : formatChangePlan(changes));
  return 0;
}

const clusterOptions = {
  pki: { type: "string", default: "pki" },
  json: { type: "boolean", default: false },
  wait: { type: "string", default: "120" },
  help: { type: "boolean", short: "h", default: false },
} satisfies ParseArgsConfig["options"];

/** The commands that talk to the cluster load its client (and the HTTP stack) only when run. */
const clusterOps = () => import("../ops/cluster.js");

async function withCluster<T>(specFile: string, pkiRoot: string, act: (session: ClusterSession) => Promise<T>): Promise<T> {
  const session = await (await clusterOps()).openCluster(specFile, pkiRoot);
  try {
    return await act(session);
  } finally {
    await session.client.close();
  }
}

async function status(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, clusterOptions, 1);
  if (values.help) return (io.out(HELP.status), 0);
  const { formatStatusTable, statusRows, surveyCluster } = await clusterOps();
  const rows = await withCluster(positionals[0] ?? "cluster.yaml", values.pki, async (session) => statusRows(await surveyCluster(session)));
  io.out(values.json ? JSON.stringify(rows, null, 2) : formatStatusTable(rows));
  const sick = rows.filter((r) => !r.healthy);
  if (sick.length > 0) io.err(`etcdboot: unhealthy: ${sick.map((r) => `${r.name || r.id}: ${r.errors.join("; ")}`).join(", ")}`);
  return sick.length > 0 ? EXIT_FAILURE : 0;
}

const MEMBER_ACTIONS = ["add", "promote", "remove", "update"] as const;

/** --wait in seconds: a positive number, or the promote loop would never reach its deadline. */
function waitSeconds(text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--wait ${JSON.stringify(text)} is not a number of seconds: write e.g. --wait 120`);
  return seconds;
}

async function members(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...clusterOptions, force: { type: "boolean", default: false } }, 3);
  const [action, host, specArg] = positionals;
  if (values.help || action === undefined) return (io.out(HELP.members), values.help ? 0 : EXIT_USAGE);
  if (!MEMBER_ACTIONS.includes(action as (typeof MEMBER_ACTIONS)[number])) throw new UsageError(`unknown members action ${JSON.stringify(action)}: use ${MEMBER_ACTIONS.join(", ")}`);
  if (host === undefined) throw new UsageError(`members ${action} needs a HOST (etcdboot members --help)`);
  if (values.force && action !== "remove") throw new UsageError("--force applies only to members remove");
  const waitMs = waitSeconds(values.wait) * 1000;
  const specFile = specArg ?? "cluster.yaml";
  const [{ addMember, promoteMember, removeMember, updateMember }, { hexMemberId }] = await Promise.all([clusterOps(), import("../cluster/client.js")]);
  return withCluster(specFile, values.pki, async (session) => {
    switch (action) {
      case "add": {
        const added = await addMember(session, host);
        io.out(`added ${host} (${added.peerUrl}) as learner ${hexMemberId(added.id)}: now boot it, then run etcdboot members promote ${host} ${specFile}`);
        return 0;
      }
      case "promote":
        await promoteMember(session, host, waitMs);
        io.out(`${host} is a voting member`);
        return 0;
      case "remove": {
        const id = await removeMember(session, host, { force: values.force });
        io.out(`removed ${host} (${hexMemberId(id)}): shut it down, drop it from the spec and run etcdboot build`);
        return 0;
      }
      default: {
        const updated = await updateMember(session, host);
        io.out(`${host}: peer URL ${updated.from.join(",")} → ${updated.to}: now restart it at its new address with its new artifacts`);
        return 0;
      }
    }
  });
}

async function snapshot(args: string[], io: Io): Promise<number> {
  const options = { pki: clusterOptions.pki, json: clusterOptions.json, help: clusterOptions.help, output: { type: "string", short: "o" }, member: { type: "string" }, quiet: { type: "boolean", default: false } } satisfies ParseArgsConfig["options"];
  const { values, positionals } = parse(args, options, 2);
  const [action, specArg] = positionals;
  if (values.help || action === undefined) return (io.out(HELP.snapshot), values.help ? 0 : EXIT_USAGE);
  if (action !== "save") throw new UsageError(`unknown snapshot action ${JSON.stringify(action)}: use save (etcdboot snapshot --help)`);
  const { saveSnapshot } = await import("../ops/snapshot.js");
  const progress = io.progress ? progressReporter({ stream: io.progress, quiet: values.quiet }) : silentProgress;
  const request = { now: io.now(), progress, ...(values.output !== undefined ? { output: values.output } : {}), ...(values.member !== undefined ? { member: values.member } : {}) };
  const report = await withCluster(specArg ?? "cluster.yaml", values.pki, (session) => saveSnapshot(session, request));
  const { facts } = report;
  io.out(values.json ? JSON.stringify({ file: report.file, ...facts }, null, 2) : [
    `wrote ${report.file} (${facts.size} bytes, sha256 ${facts.sha256})`,
    `  from ${facts.member} (${facts.endpoint}), etcd ${facts.etcdVersion}, cluster ID ${facts.clusterId}, revision ${facts.revision}`,
    `  its SHA-256 as etcd appended it checks; facts in ${report.factsFile}`,
  ].join("\n"));
  return 0;
}

async function restore(args: string[], io: Io): Promise<number> {
  const options = {
    out: { type: "string", default: "output" },
    pki: { type: "string", default: "pki" },
    "skip-hash-check": { type: "boolean", default: false },
    force: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  } satisfies ParseArgsConfig["options"];
  const { values, positionals } = parse(args, options, 2);
  const [snapshotFile, specArg] = positionals;
  if (values.help || snapshotFile === undefined) return (io.out(HELP.restore), values.help ? 0 : EXIT_USAGE);
  const specFile = specArg ?? "cluster.yaml";
  const { runRestore } = await import("../ops/restore.js");
  const report = await runRestore({ snapshotFile, specFile, outRoot: values.out, pkiRoot: values.pki, skipHashCheck: values["skip-hash-check"], force: values.force, now: io.now() });
  io.out(`Restore of cluster from ${snapshotFile} (sha256 ${report.sha256}) into a new logical cluster, token ${report.plan.token} (recorded in state.json):`);
  report.plan.steps.forEach((step, i) => io.out(`  ${i + 1}. ${step}`));
  return 0;
}

async function certs(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { pki: { type: "string", default: "pki" }, json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } }, 1);
  if (values.help) return (io.out(HELP.certs), 0);
  const { formatCertificates, listCertificates } = await import("../ops/certs.js");
  const lines = await listCertificates(positionals[0] ?? "cluster.yaml", values.pki, io.now());
  io.out(values.json ? JSON.stringify(lines, null, 2) : formatCertificates(lines));
  return 0;
}

async function init(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { help: { type: "boolean", short: "h", default: false } }, 1);
  if (values.help) return (io.out(HELP.init), 0);
  const file = positionals[0] ?? "cluster.yaml";
  const { writeStarterSpec } = await import("../ops/init.js");
  await writeStarterSpec(file);
  io.out(`wrote ${file}: edit the hosts, then run: etcdboot build ${file}`);
  return 0;
}

async function version(io: Io): Promise<number> {
  const pkg = JSON.parse(await readFile(join(PACKAGE_DIR, "package.json"), "utf8")) as { version: string };
  io.out(pkg.version);
  return 0;
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "build":
        return await build(rest, io);
      case "init":
        return await init(rest, io);
      case "pin":
        return await pin(rest, io);
      case "plan":
        return await plan(rest, io);
      case "status":
        return await status(rest, io);
      case "members":
        return await members(rest, io);
      case "certs":
        return await certs(rest, io);
      case "snapshot":
        return await snapshot(rest, io);
      case "restore":
        return await restore(rest, io);
      case "--version":
        return await version(io);
      case undefined:
      case "-h":
      case "--help":
      case "help":
        io.out(HELP.main);
        return 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}: use one of init, build, pin, plan, status, members, certs, snapshot, restore (etcdboot --help)`);
    }
  } catch (error) {
    if (error instanceof UserError) {
      io.err(`etcdboot: ${error.message}`);
      return error.exitCode;
    }
    const fault = fileSystemFaultMessage(error);
    if (fault !== undefined) {
      io.err(`etcdboot: ${fault}`);
      return EXIT_FAILURE;
    }
    io.err(`etcdboot: internal error — this is a bug, please report it:\n${(error as Error).stack ?? String(error)}`);
    return EXIT_FAILURE;
  }
}
