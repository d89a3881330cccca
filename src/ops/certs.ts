// `etcdboot certs`: every certificate of the cluster with its expiry, soonest first; with
// --warn-days N, the ones that expire within N days, for a monitoring check's exit code.

import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import { formatTable } from "../text-table.js";
import { certificateInfo } from "../state/record-build.js";
import { loadValidSpec } from "./build.js";
import { existingPkiDir, parsePkiFile, readPkiFile } from "./read-pki.js";

export interface CertificateLine {
  kind: "ca" | "host" | "client";
  name: string;
  serial: string;
  notAfter: string;
  daysLeft: number;
}

async function certificatesIn(folder: string): Promise<string[]> {
  return (await readdir(folder).catch(() => [])).filter((f) => f.endsWith(".crt")).sort();
}

export async function listCertificates(specFile: string, pkiRoot: string, now: Date): Promise<CertificateLine[]> {
  const { spec } = await loadValidSpec(specFile, false);
  const pkiDir = await existingPkiDir(pkiRoot, spec.cluster.name);
  const line = async (kind: CertificateLine["kind"], name: string, path: string): Promise<CertificateLine> => {
    const role = kind === "ca" ? "ca" : "leaf";
    const pem = await readPkiFile(path, role);
    const info = parsePkiFile(path, role, () => certificateInfo(pem));
    return { kind, name, ...info, daysLeft: Math.floor((Date.parse(info.notAfter) - now.getTime()) / 86_400_000) };
  };
  const lines = [await line("ca", `${spec.cluster.name} CA`, join(pkiDir, "ca.crt"))];
  for (const kind of ["host", "client"] as const) {
    const folder = join(pkiDir, `${kind}s`);
    const wanted = kind === "host" ? spec.hosts.map((h) => h.name) : spec.clients.map((c) => c.name);
    for (const file of await certificatesIn(folder)) {
      const name = file.replace(/\.crt$/, "");
      if (wanted.includes(name)) lines.push(await line(kind, name, join(folder, file)));
    }
  }
  return lines.sort((a, b) => a.daysLeft - b.daysLeft || a.name.localeCompare(b.name));
}

const DAY_MS = 86_400_000;

export function formatCertificates(lines: CertificateLine[]): string {
  const columns = [{ header: "KIND" }, { header: "NAME" }, { header: "NOT AFTER" }, { header: "DAYS LEFT" }, { header: "SERIAL" }];
  return formatTable(columns, lines.map((l) => [l.kind, l.name, l.notAfter, String(l.daysLeft), l.serial]));
}

/** --warn-days: a whole number of days, 0 or more (0 names only the expired ones). */
export function warnDays(text: string): number {
  const days = /^\d{1,6}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(days)) throw new UsageError(`--warn-days ${JSON.stringify(text)} is not a whole number of days (0 or more, at most 999999): write e.g. --warn-days 30`);
  return days;
}

/** The certificates whose end is at most days away (or already past). */
export function expiringWithin(lines: readonly CertificateLine[], days: number, now: Date): CertificateLine[] {
  return lines.filter((l) => Date.parse(l.notAfter) <= now.getTime() + days * DAY_MS);
}

/** What to run for them: build renews hosts and clients; only a new CA (re-issuing everything) renews the CA. */
export function renewalAdvice(expiring: readonly CertificateLine[]): string {
  const leaves = expiring.some((l) => l.kind !== "ca") ? ["etcdboot build re-issues host and client certificates"] : [];
  const ca = expiring.some((l) => l.kind === "ca") ? ["the CA is renewed only by etcdboot build --replace-ca, which re-issues every certificate"] : [];
  return [...leaves, ...ca].join("; ");
}
