// The command line. main() takes argv and returns the exit code, so tests call it directly;
// only bin/etcdboot.js touches process.argv and the exit code.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { EXIT_FAILURE, EXIT_USAGE, UsageError, UserError } from "../errors.js";
import { fileSystemFaultMessage } from "./file-system-fault.js";
import { HELP, MEMBER_HELP } from "./help.js";
import { EC2_USER_DATA_LIMIT, buildJson, checkJson, membersJson, pinJson, planJson, renderJson, restoreJson, snapshotJson, type MemberChange } from "./json-output.js";
import { CommandUsageError, parseCommandLine } from "./parse-options.js";
import { didYouMean } from "./suggest.js";
import { formatBytes } from "../human-size.js";
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
  json: { type: "boolean", default: false },
  "no-seed-image": { type: "boolean", default: false },
} satisfies ParseArgsConfig["options"];

function fetchSettings(values: { "cache-dir"?: string | undefined; offline: boolean; quiet: boolean }, io: Io): FetchOptions {
  return {
    cacheDir: values["cache-dir"] ?? defaultCacheDir(),
    offline: values.offline,
    progress: io.progress ? progressReporter({ stream: io.progress, quiet: values.quiet }) : silentProgress,
  };
}

async function build(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine("build", args, buildOptions, 1);
  if (values.help) return (io.out(HELP.build), 0);
  const specFile = positionals[0] ?? "cluster.yaml";
  if (values.check && values.json) return checkAsJson(specFile, values.strict, io);
  // The JSON is the only thing on stdout: no progress bar around it.
  if (values.json) values.quiet = true;
  const stampRequest = { specFile, outRoot: values.out, pkiRoot: values.pki, strict: values.strict, seedImage: !values["no-seed-image"] };
  const stamped = !values.check && !values["replace-ca"];
  const upToDate = stamped ? await upToDateSummary(stampRequest, io.now()) : undefined;
  if (upToDate) return (values.json ? io.out(renderJson(buildJson(specFile, upToDate, undefined, false))) : printBuild(io, upToDate, undefined, false), 0);

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
  if (values.json) io.out(renderJson(buildJson(specFile, summaryOf(report), report.pki, report.changed ?? false)));
  else printBuild(io, summaryOf(report), report.pki, report.changed ?? false);
  return 0;
}

/** build --check --json: the diagnostics as records; exit 2 when the spec is not valid. */
async function checkAsJson(specFile: string, strict: boolean, io: Io): Promise<number> {
  const { checkSpec } = await import("../ops/check.js");
  const result = await checkSpec(specFile, strict);
  io.out(renderJson(checkJson(specFile, result.valid, result.hosts, result.diagnostics)));
  return result.valid ? 0 : EXIT_USAGE;
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
    const note = file === "user-data" && bytes > EC2_USER_DATA_LIMIT ? `  WARNING: over EC2's ${formatBytes(EC2_USER_DATA_LIMIT)} limit` : "";
    io.out(`${host}: ${file} ${formatBytes(bytes)}${note}`);
  }
  io.out(changed ? `wrote ${summary.outputDir}` : `${summary.outputDir} is up to date`);
}

async function pin(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine("pin", args, { ...fetchOptions, json: { type: "boolean", default: false } }, 1);
  if (values.help) return (io.out(HELP.pin), 0);
  if (values.json) values.quiet = true;
  const { runPin } = await import("../ops/pin.js"); // loads the HTTP client: only pin and build with bundled releases need it
  const report = await runPin({ specFile: positionals[0] ?? "cluster.yaml", fetch: fetchSettings(values, io) });
  if (values.json) return (io.out(renderJson(pinJson(report.lockPath, report.changed, report.releases, report.verified))), 0);
  report.releases.forEach((release, i) => io.out(`etcd ${release.version} ${release.arch}: sha256 ${release.sha256} (${report.verified[i]})`));
  io.out(report.changed ? `wrote ${report.lockPath}` : `${report.lockPath} is up to date`);
  return 0;
}

const planOptions = {
  ...fetchOptions,
  out: { type: "string", default: "output" },
  pki: { type: "string", default: "pki" },
  json: { type: "boolean", default: false },
  diff: { type: "boolean", default: false },
  "exit-code": { type: "boolean", default: false },
  "no-seed-image": { type: "boolean", default: false },
} satisfies ParseArgsConfig["options"];

async function plan(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine("plan", args, planOptions, 1);
  if (values.help) return (io.out(HELP.plan), 0);
  if (values.json) values.quiet = true;
  const specFile = positionals[0] ?? "cluster.yaml";
  const [{ runPlan }, { formatChangePlan, planChangesAnything }] = await Promise.all([import("../ops/plan.js"), import("../state/change-plan.js")]);
  const { changes, diffs } = await runPlan({ specFile, outRoot: values.out, pkiRoot: values.pki, now: io.now(), fetch: fetchSettings(values, io), diff: values.diff, seedImage: !values["no-seed-image"] });
  if (values.json) io.out(renderJson({ ...planJson(changes), ...(values.diff ? { diffs } : {}) }));
  else io.out([formatChangePlan(changes), ...diffs.flatMap((d) => [``, `diff for ${d.host}:`, ...d.lines])].join("\n"));
  // git diff's convention: 1 when there are differences (errors exit 1 or 2 as usual, with a message on stderr).
  return values["exit-code"] && planChangesAnything(changes) ? EXIT_FAILURE : 0;
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
  const { values, positionals } = parseCommandLine("status", args, { ...clusterOptions, wide: { type: "boolean", default: false } }, 1);
  if (values.help) return (io.out(HELP.status), 0);
  const [{ clusterStatus }, { formatStatusReport, statusWord }] = await Promise.all([clusterOps(), import("../cluster/status-table.js")]);
  const report = await withCluster(positionals[0] ?? "cluster.yaml", values.pki, clusterStatus);
  io.out(values.json ? JSON.stringify(report, null, 2) : formatStatusReport(report, values.wide));
  const sick = report.members.filter((m) => !m.healthy);
  if (sick.length > 0) io.err(`etcdboot: not healthy: ${sick.map((m) => `${m.name || m.id} (${statusWord(m)})`).join(", ")}`);
  return report.healthy ? 0 : EXIT_FAILURE;
}

const MEMBER_ACTIONS = ["add", "promote", "remove", "update"] as const;

/** --wait in seconds: a positive number, or the promote loop would never reach its deadline. */
function waitSeconds(text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--wait ${JSON.stringify(text)} is not a number of seconds: write e.g. --wait 120`);
  return seconds;
}

type MemberAction = (typeof MEMBER_ACTIONS)[number];

async function members(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine("members", args, { ...clusterOptions, force: { type: "boolean", default: false } }, 3);
  const [action, host, specArg] = positionals;
  if (action === undefined) return (io.out(HELP.members), values.help ? 0 : EXIT_USAGE);
  if (!MEMBER_ACTIONS.includes(action as MemberAction))
    throw new CommandUsageError("members", `unknown action ${JSON.stringify(action)}${didYouMean(action, MEMBER_ACTIONS)}: use ${MEMBER_ACTIONS.join(", ")} (etcdboot members --help)`);
  const command = `members ${action}`;
  if (values.help) return (io.out(MEMBER_HELP[action as MemberAction]), 0);
  if (host === undefined) throw new CommandUsageError(command, `needs a HOST (etcdboot ${command} --help)`);
  if (values.force && action !== "remove") throw new CommandUsageError(command, "--force applies only to members remove");
  const waitMs = waitSeconds(values.wait) * 1000;
  const specFile = specArg ?? "cluster.yaml";
  const [{ addMember, promoteMember, removeMember, updateMember }, { hexMemberId }] = await Promise.all([clusterOps(), import("../cluster/client.js")]);
  const change = await withCluster(specFile, values.pki, async (session): Promise<MemberChange> => {
    switch (action) {
      case "add": {
        const added = await addMember(session, host);
        const next = `boot ${host}, then run etcdboot members promote ${host} ${specFile}`;
        return { action, host, memberId: hexMemberId(added.id), peerUrlsBefore: [], peerUrlsAfter: [added.peerUrl], next };
      }
      case "promote":
        await promoteMember(session, host, waitMs);
        return { action, host, memberId: null, peerUrlsBefore: [], peerUrlsAfter: [], next: "" };
      case "remove": {
        const id = await removeMember(session, host, { force: values.force });
        return { action, host, memberId: hexMemberId(id), peerUrlsBefore: [], peerUrlsAfter: [], next: `shut ${host} down, drop it from the spec and run etcdboot build` };
      }
      default: {
        const updated = await updateMember(session, host);
        return { action: "update", host, memberId: null, peerUrlsBefore: updated.from, peerUrlsAfter: [updated.to], next: "restart it at its new address with its new artifacts" };
      }
    }
  });
  io.out(values.json ? renderJson(membersJson(change)) : memberChangeText(change));
  return 0;
}

function memberChangeText(change: MemberChange): string {
  switch (change.action) {
    case "add":
      return `added ${change.host} (${change.peerUrlsAfter.join(",")}) as learner ${change.memberId}: now ${change.next}`;
    case "promote":
      return `${change.host} is a voting member`;
    case "remove":
      return `removed ${change.host} (${change.memberId}): ${change.next}`;
    case "update":
      return `${change.host}: peer URL ${change.peerUrlsBefore.join(",")} → ${change.peerUrlsAfter.join(",")}: now ${change.next}`;
  }
}

async function snapshot(args: string[], io: Io): Promise<number> {
  const options = { pki: clusterOptions.pki, json: clusterOptions.json, help: clusterOptions.help, output: { type: "string", short: "o" }, member: { type: "string" }, quiet: { type: "boolean", default: false } } satisfies ParseArgsConfig["options"];
  const { values, positionals } = parseCommandLine("snapshot", args, options, 2);
  const [action, specArg] = positionals;
  if (values.help || action === undefined) return (io.out(HELP.snapshot), values.help ? 0 : EXIT_USAGE);
  if (action !== "save") throw new CommandUsageError("snapshot", `unknown action ${JSON.stringify(action)}${didYouMean(action, ["save"])}: use save (etcdboot snapshot --help)`);
  if (values.json) values.quiet = true;
  const { saveSnapshot } = await import("../ops/snapshot.js");
  const progress = io.progress ? progressReporter({ stream: io.progress, quiet: values.quiet }) : silentProgress;
  const request = { now: io.now(), progress, ...(values.output !== undefined ? { output: values.output } : {}), ...(values.member !== undefined ? { member: values.member } : {}) };
  const report = await withCluster(specArg ?? "cluster.yaml", values.pki, (session) => saveSnapshot(session, request));
  const { facts } = report;
  io.out(values.json ? renderJson(snapshotJson(report.file, report.factsFile, facts)) : [
    `wrote ${report.file} (${formatBytes(facts.size)}, sha256 ${facts.sha256})`,
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
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  } satisfies ParseArgsConfig["options"];
  const { values, positionals } = parseCommandLine("restore", args, options, 2);
  const [snapshotFile, specArg] = positionals;
  if (values.help || snapshotFile === undefined) return (io.out(HELP.restore), values.help ? 0 : EXIT_USAGE);
  const specFile = specArg ?? "cluster.yaml";
  const { runRestore } = await import("../ops/restore.js");
  const report = await runRestore({ snapshotFile, specFile, outRoot: values.out, pkiRoot: values.pki, skipHashCheck: values["skip-hash-check"], force: values.force, now: io.now() });
  if (values.json) return (io.out(renderJson(restoreJson(snapshotFile, report.sha256, report.outputDir, report.plan))), 0);
  io.out(`Restore of cluster from ${snapshotFile} (sha256 ${report.sha256}) into a new logical cluster, token ${report.plan.token} (recorded in state.json):`);
  report.plan.steps.forEach((step, i) => io.out(`  ${i + 1}. ${step}`));
  return 0;
}

async function image(args: string[], io: Io): Promise<number> {
  const options = { ...fetchOptions, out: { type: "string", default: "output" }, pki: { type: "string", default: "pki" }, alpine: { type: "string" }, "alpine-sha256": { type: "string" } } satisfies ParseArgsConfig["options"];
  const { values, positionals } = parseCommandLine("image", args, options, 2);
  const [host, specArg] = positionals;
  if (values.help || host === undefined) return (io.out(HELP.image), values.help ? 0 : EXIT_USAGE);
  if (values.alpine === undefined) throw new UsageError("image needs --alpine FILE|URL: Alpine's Raspberry Pi release, alpine-rpi-<version>-aarch64.tar.gz (etcdboot image --help)");
  const { formatImageReport, runImage } = await import("../ops/image.js");
  const report = await runImage({
    host,
    specFile: specArg ?? "cluster.yaml",
    outRoot: values.out,
    pkiRoot: values.pki,
    alpine: values.alpine,
    ...(values["alpine-sha256"] !== undefined ? { alpineSha256: values["alpine-sha256"] } : {}),
    fetch: fetchSettings(values, io),
  });
  for (const line of formatImageReport(host, report)) io.out(line);
  return 0;
}

async function certs(args: string[], io: Io): Promise<number> {
  const options = { pki: { type: "string", default: "pki" }, json: { type: "boolean", default: false }, "warn-days": { type: "string" }, help: { type: "boolean", short: "h", default: false } } satisfies ParseArgsConfig["options"];
  const { values, positionals } = parseCommandLine("certs", args, options, 1);
  if (values.help) return (io.out(HELP.certs), 0);
  const { expiringWithin, formatCertificates, listCertificates, renewalAdvice, warnDays } = await import("../ops/certs.js");
  const days = values["warn-days"] === undefined ? undefined : warnDays(values["warn-days"]);
  const lines = await listCertificates(positionals[0] ?? "cluster.yaml", values.pki, io.now());
  io.out(values.json ? JSON.stringify(lines, null, 2) : formatCertificates(lines));
  if (days === undefined) return 0;
  const expiring = expiringWithin(lines, days, io.now());
  if (expiring.length === 0) return 0;
  io.err(`etcdboot: ${expiring.length} certificate${expiring.length === 1 ? "" : "s"} expire${expiring.length === 1 ? "s" : ""} within ${days} days: ${expiring.map((l) => `${l.kind} ${l.name} (${l.notAfter})`).join(", ")}: ${renewalAdvice(expiring)}`);
  return EXIT_FAILURE;
}

async function init(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine("init", args, { help: { type: "boolean", short: "h", default: false } }, 1);
  if (values.help) return (io.out(HELP.init), 0);
  const file = positionals[0] ?? "cluster.yaml";
  const { writeStarterSpec } = await import("../ops/init.js");
  await writeStarterSpec(file);
  io.out(`wrote ${file}: edit the hosts, then run: etcdboot build ${file}`);
  return 0;
}

async function version(io: Io): Promise<number> {
  const pkg = JSON.parse(await readFile(join(PACKAGE_DIR, "package.json"), "utf8")) as { version: string };
  const { versionText } = await import("./version-text.js");
  io.out(versionText(pkg.version, process.version));
  return 0;
}

async function schema(args: string[], io: Io): Promise<number> {
  const { values } = parseCommandLine("schema", args, { help: { type: "boolean", short: "h", default: false } }, 0);
  if (values.help) return (io.out(HELP.schema), 0);
  const { specSchemaText } = await import("../ops/schema.js");
  io.out((await specSchemaText()).trimEnd());
  return 0;
}

async function completion(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine("completion", args, { help: { type: "boolean", short: "h", default: false } }, 1);
  const [shell] = positionals;
  if (values.help || shell === undefined) return (io.out(HELP.completion), values.help ? 0 : EXIT_USAGE);
  const [{ completionScript, SHELLS }, { commandWords }] = await Promise.all([import("./completion.js"), import("./command-words.js")]);
  const known = SHELLS.find((s) => s === shell);
  if (known === undefined) throw new UsageError(`no completion for shell ${JSON.stringify(shell)}: use one of ${SHELLS.join(", ")}`);
  io.out(completionScript(known, commandWords(HELP)).trimEnd());
  return 0;
}

/** For the completion scripts: the spec's host names, one a line; nothing (and exit 0) when it cannot be read. */
async function completeHosts(args: string[], io: Io): Promise<number> {
  const { specHostNames } = await import("../ops/host-names.js");
  for (const name of await specHostNames(args[0] ?? "cluster.yaml")) io.out(name);
  return 0;
}

const COMMANDS = ["init", "build", "pin", "plan", "status", "members", "certs", "snapshot", "restore", "image", "schema", "completion", "version"];
const TOP_LEVEL_OPTIONS = ["--help", "--version"];

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
      case "schema":
        return await schema(rest, io);
      case "completion":
        return await completion(rest, io);
      case "__complete-hosts":
        return await completeHosts(rest, io);
      case "image":
        return await image(rest, io);
      case "--version":
      case "-V":
      case "version":
        return await version(io);
      case undefined:
      case "-h":
      case "--help":
      case "help":
        io.out(HELP.main);
        return 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}${didYouMean(command, command.startsWith("-") ? TOP_LEVEL_OPTIONS : COMMANDS)}: use one of ${COMMANDS.join(", ")} (etcdboot --help)`);
    }
  } catch (error) {
    if (error instanceof UserError) {
      io.err(`${error instanceof CommandUsageError ? `etcdboot ${error.command}` : "etcdboot"}: ${error.message}`);
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
