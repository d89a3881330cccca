// Shared by the tests: where the repo is, a fixed clock, temporary folders. (Tests that need real
// tools use harness/prerequisites.ts: skipped locally when missing, failed under CI=true.)

import { rmSync } from "node:fs";
import { mkdtemp, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../src/cli/main.js";
import type { ClusterPki } from "../src/pki/types.js";

/** The repository root (tests run as dist/test/**.js). */
export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const FIXED_NOW = new Date("2026-11-01T12:00:00Z");

/** Folders made by tempDir in this test process, removed when it exits. */
const madeFolders: string[] = [];

/**
 * A fresh folder under the system's temporary folder, removed when the test file's process exits
 * (boot tests leave hundreds of MiB each). ETCDBOOT_KEEP_TEMP=1 keeps them for a look afterwards.
 */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `etcdboot-${prefix}-`));
  if (madeFolders.length === 0 && process.env["ETCDBOOT_KEEP_TEMP"] !== "1") process.once("exit", removeMadeFolders);
  madeFolders.push(dir);
  return dir;
}

function removeMadeFolders(): void {
  for (const dir of madeFolders) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // A folder a test left mounted or busy stays; it never fails the run.
    }
  }
}

/** Runs the CLI in-process with a fixed clock; collects what it prints. */
export async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return runCliAt(FIXED_NOW, argv);
}

/** runCli with the clock at now: certificates age without waiting. */
export async function runCliAt(now: Date, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), now: () => now });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** Every file under dir (relative path) as "inode:mtime": a rename brings a new inode, a write in place a new mtime. */
export async function fileIdentities(dir: string): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const info = await stat(path, { bigint: true });
    seen.set(path.slice(dir.length + 1), `${info.ino}:${info.mtimeNs}`);
  }
  return seen;
}

/** Stand-in text for the CA, each host's and each client's certificate and key: no key is made or committed. */
export function standInPki(hostNames: string[], clients: string[]): ClusterPki {
  const pair = (who: string) => ({ certPem: `<certificate of ${who}>\n`, keyPem: `<private key of ${who}>\n` });
  return {
    caCertPem: "<CA certificate>\n",
    hosts: new Map(hostNames.map((name) => [name, pair(name)])),
    clients: new Map(clients.map((name) => [name, pair(name)])),
    revocationList: { der: Buffer.from("<CRL (DER)>"), pem: "<CRL>\n" },
  };
}

/** PEM armour around a body, made at run time so that no file in the repository looks like it holds a key. */
export function pemArmour(body: string, label = "PRIVATE KEY"): string {
  const dashes = "-".repeat(5);
  return `${dashes}BEGIN ${label}${dashes}\n${body}\n${dashes}END ${label}${dashes}\n`;
}
