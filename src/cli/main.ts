// The command line. main() takes argv and returns the exit code, so tests call it directly;
// only bin/etcdboot.js touches process.argv and the exit code.

import { copyFile, constants as fsConstants, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { EXIT_FAILURE, UsageError, UserError } from "../errors.js";
import { EC2_USER_DATA_LIMIT } from "../encoders/output-tree.js";
import { runBuild } from "../ops/build.js";
import { PROFILES_DIR } from "../spec/profiles.js";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Injected clock: tests fix it. */
  now: () => Date;
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  now: () => new Date(),
};

const HELP = {
  main: `etcdboot — first-boot artifacts for a TLS etcd cluster, from one spec

Usage: etcdboot <command> [options]

Commands:
  init [FILE]     write a commented starter spec (default: cluster.yaml)
  build [SPEC]    make the CA, certificates and per-host cloud-init files (default spec: cluster.yaml)

Options:
  -h, --help      help for etcdboot or a command
  --version       print the version

Exit codes: 0 success, 1 failure, 2 usage error or invalid spec.`,
  build: `Usage: etcdboot build [SPEC] [options]

Reads SPEC (default: cluster.yaml), makes or reuses the cluster's CA and certificates in
<pki>/<cluster>/, and writes per-host files to <out>/<cluster>/:
  hosts/<host>/user-data, meta-data, network-config (static network only),
  ca.crt, etcdctl.env (sources the admin client certificate from the PKI folder), manifest.json

Options:
  --out DIR       parent folder of the output (default: output)
  --pki DIR       parent folder of the CA and keys (default: pki); keep it private and backed up
  --replace-ca    make a new CA even if one exists (re-issues every certificate)
  --check         validate the spec only; write nothing
  --strict        treat warnings as errors
  -h, --help      this help`,
  init: `Usage: etcdboot init [FILE]

Writes a commented starter spec to FILE (default: cluster.yaml). Refuses to overwrite.`,
} as const;

const buildOptions = {
  out: { type: "string", default: "output" },
  pki: { type: "string", default: "pki" },
  "replace-ca": { type: "boolean", default: false },
  check: { type: "boolean", default: false },
  strict: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} satisfies ParseArgsConfig["options"];

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T, maxPositionals: number) {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    if (parsed.positionals.length > maxPositionals) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}`);
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
  const report = await runBuild({
    specFile,
    outRoot: values.out,
    pkiRoot: values.pki,
    replaceCa: values["replace-ca"],
    check: values.check,
    strict: values.strict,
    now: io.now(),
  });
  for (const warning of report.warnings) io.err(warning);
  if (values.check) return (io.out(`${specFile}: valid (${report.spec.hosts.length} hosts)`), 0);

  const pki = report.pki;
  if (pki?.caCreated) io.out(`created CA in ${report.pkiDir}`);
  for (const issued of pki?.issued ?? []) io.out(`issued ${issued.kind} certificate ${issued.name} (${issued.reason})`);
  for (const { host, bytes } of report.userDataBytes) {
    const note = bytes > EC2_USER_DATA_LIMIT ? `  WARNING: over EC2's ${EC2_USER_DATA_LIMIT} byte limit` : "";
    io.out(`${host}: user-data ${bytes} bytes${note}`);
  }
  io.out(report.changed ? `wrote ${report.outputDir}` : `${report.outputDir} is up to date`);
  return 0;
}

async function init(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { help: { type: "boolean", short: "h", default: false } }, 1);
  if (values.help) return (io.out(HELP.init), 0);
  const file = positionals[0] ?? "cluster.yaml";
  try {
    await copyFile(join(PROFILES_DIR, "starter.yaml"), file, fsConstants.COPYFILE_EXCL);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new UserError(`${file} already exists: not overwriting it (choose another name or remove it)`);
    throw error;
  }
  io.out(`wrote ${file}: edit the hosts, then run: etcdboot build ${file}`);
  return 0;
}

async function version(io: Io): Promise<number> {
  const pkg = JSON.parse(await readFile(join(PROFILES_DIR, "..", "package.json"), "utf8")) as { version: string };
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
      case "--version":
        return await version(io);
      case undefined:
      case "-h":
      case "--help":
      case "help":
        io.out(HELP.main);
        return 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}: use one of build, init (etcdboot --help)`);
    }
  } catch (error) {
    if (error instanceof UserError) {
      io.err(`etcdboot: ${error.message}`);
      return error.exitCode;
    }
    io.err(`etcdboot: internal error — this is a bug, please report it:\n${(error as Error).stack ?? String(error)}`);
    return EXIT_FAILURE;
  }
}
