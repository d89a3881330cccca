// `etcdboot certs`: every certificate of the cluster with its expiry, soonest first.

import { readdir } from "node:fs/promises";
import { join } from "node:path";
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

export function formatCertificates(lines: CertificateLine[]): string {
  const rows = [["KIND", "NAME", "NOT AFTER", "DAYS LEFT", "SERIAL"], ...lines.map((l) => [l.kind, l.name, l.notAfter, String(l.daysLeft), l.serial])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
}
