// A simulated host's own files live in a root folder on disk (<rootDir>/etc/etcd/..., as cloud-init
// would have left them). Commands see them at the real absolute paths: hostRootArgv wraps an argv
// so it runs in a private mount namespace where each HOST_ROOT_MOUNTS path is bind-mounted from
// rootDir. The product's paths are thus used unchanged; nothing in generated files is rewritten.

import { appendFile, chmod, chown, mkdir, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, posix, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import { shellQuote } from "../../src/escape/shell.js";
import { groupId, primaryGroupId, userId } from "./users.js";

/** The paths a host gets from its root folder; everything else (/usr/bin/etcd, /etc/passwd...) is this machine's. */
export const HOST_ROOT_MOUNTS = ["/etc/etcd", "/etc/systemd/system", "/usr/local/bin", "/usr/local/sbin", "/var/backups", "/var/lib/etcd"] as const;

export interface HostRootOptions {
  /** Run as this user (name or uid) instead of root, with its supplementary groups. */
  user?: string;
  /** Run with this group (name or gid); default: the user's primary group. */
  group?: string;
}

/** Where an absolute host path lives on disk: hostPath("/tmp/h1", "/etc/etcd/x") is "/tmp/h1/etc/etcd/x". */
export function hostPath(rootDir: string, path: string): string {
  if (!isAbsolute(path) || posix.normalize(path) !== path || path.split("/").includes("..")) {
    throw new Error(`host path must be absolute and normalised: "${path}"`);
  }
  return join(resolve(rootDir), path);
}

/**
 * ["unshare", "--mount", ...] that runs argv with rootDir's subtrees mounted at HOST_ROOT_MOUNTS, in
 * the working folder "/" (as systemd and cloud-init do). Compose freely: network.spawn(host,
 * hostRootArgv(root, argv)) runs argv in the host's network namespace and its host root. Missing
 * folders are created on both sides (on this machine: empty mountpoints such as /etc/etcd).
 * Propagation is private, so no mount is seen outside the command.
 */
export function hostRootArgv(rootDir: string, argv: readonly string[], opts: HostRootOptions = {}): string[] {
  if (argv.length === 0) throw new Error("hostRootArgv: empty argv");
  const script = [
    "set -e",
    `root=${shellQuote(resolve(rootDir))}`,
    'bind_from_root() { mkdir -p "$root$1" "$1"; mount --bind "$root$1" "$1"; }',
    ...HOST_ROOT_MOUNTS.map((path) => `bind_from_root ${shellQuote(path)}`),
    "cd /",
    `exec ${identitySwitch(opts)}"$@"`,
  ].join("\n");
  // argv travels as positional parameters, never inside the script text, so it needs no quoting.
  return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "host-root", ...argv];
}

/** "setpriv ... -- " for the requested identity, or "" to stay root. */
function identitySwitch({ user, group }: HostRootOptions): string {
  if (user === undefined) return group === undefined ? "" : `setpriv --regid=${groupId(group)} --clear-groups -- `;
  const gid = group === undefined ? primaryGroupId(user) : groupId(group);
  // A bare uid (an Alpine host's etcd user, which this machine lacks) has no groups to look up.
  const groups = /^\d+$/.test(user) ? "--clear-groups" : "--init-groups";
  return `setpriv --reuid=${userId(user)} --regid=${gid} ${groups} -- `;
}

interface WriteFilesEntry {
  path?: unknown;
  content?: unknown;
  encoding?: unknown;
  permissions?: unknown;
  owner?: unknown;
  append?: unknown;
  source?: unknown;
}

/**
 * Does what cloud-init's write_files does, into rootDir: for each entry, decode content, create the
 * parent folders, write (or append), chmod and chown. Returns the paths written, on disk.
 * All entries are written, deferred or not: this machine already has every user and group.
 */
export async function materialiseWriteFiles(userDataText: string, rootDir: string): Promise<string[]> {
  const written: string[] = [];
  for (const entry of writeFilesEntries(userDataText)) written.push(await writeEntry(entry, rootDir));
  return written;
}

function writeFilesEntries(userDataText: string): WriteFilesEntry[] {
  if (!userDataText.startsWith("#cloud-config")) throw new Error('user-data does not start with "#cloud-config"');
  // cloud-init reads YAML 1.1 (PyYAML), where an unquoted `permissions: 0600` is octal.
  const config: unknown = parse(userDataText, { version: "1.1" });
  const entries = (config as { write_files?: unknown } | null)?.write_files ?? [];
  if (!Array.isArray(entries)) throw new Error("write_files is not a list");
  return entries as WriteFilesEntry[];
}

async function writeEntry(entry: WriteFilesEntry, rootDir: string): Promise<string> {
  if (typeof entry.path !== "string") throw new Error(`write_files entry without a path: ${JSON.stringify(entry)}`);
  if (entry.source !== undefined) throw new Error(`${entry.path}: write_files "source" is not supported by the harness`);
  const file = hostPath(rootDir, entry.path);
  const bytes = decodeContent(entry.content ?? "", entry.encoding, entry.path);
  await mkdir(dirname(file), { recursive: true, mode: 0o755 });
  await (entry.append === true ? appendFile(file, bytes) : writeFile(file, bytes));
  await chmod(file, fileMode(entry.permissions, entry.path));
  const [user, group] = String(entry.owner ?? "root:root").split(":", 2);
  // Like cloud-init: "user" alone leaves the group as it is (-1).
  await chown(file, userId(user ?? "root"), group === undefined ? -1 : groupId(group));
  return file;
}

function decodeContent(content: unknown, encoding: unknown, path: string): Buffer {
  if (content instanceof Uint8Array) return Buffer.from(content); // a YAML !!binary value
  if (typeof content !== "string") throw new Error(`${path}: content is not a string`);
  switch (String(encoding ?? "text/plain").toLowerCase()) {
    case "text/plain":
      return Buffer.from(content, "utf8");
    case "b64":
    case "base64":
      return Buffer.from(content, "base64");
    case "gz+b64":
    case "gz+base64":
    case "gzip+b64":
    case "gzip+base64":
      return gunzipSync(Buffer.from(content, "base64"));
    default:
      throw new Error(`${path}: unsupported write_files encoding "${String(encoding)}"`);
  }
}

/** cloud-init's default is 0644; a string is octal ("0600"), a number was already read as octal by YAML 1.1. */
function fileMode(permissions: unknown, path: string): number {
  if (permissions === undefined) return 0o644;
  const text = String(permissions);
  const mode = typeof permissions === "number" ? permissions : /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : NaN;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new Error(`${path}: bad permissions ${String(permissions)}`);
  return mode;
}
