// `etcdboot build --check --json`: every problem of a spec as a record (file, line, column,
// field, message, fix) for editors and CI annotations, instead of the printed excerpts.

import { diagnosticRecord, splitFix, type DiagnosticRecord } from "../spec/diagnostics.js";
import { readSpec } from "../spec/load-spec.js";
import { pinToLock } from "./build.js";

export interface CheckResult {
  valid: boolean;
  /** How many hosts a valid spec has; null when it is not valid. */
  hosts: number | null;
  diagnostics: DiagnosticRecord[];
}

/** The lock's warnings are about the spec as a whole and its lock file: they have no line. */
function lockWarning(specFile: string, text: string): DiagnosticRecord {
  const message = text.replace(`${specFile}: warning: `, "");
  return { severity: "warning", file: specFile, line: null, column: null, field: "etcd.version", ...splitFix(message) };
}

export async function checkSpec(specFile: string, strict: boolean): Promise<CheckResult> {
  const result = await readSpec(specFile);
  if (!result.ok) return { valid: false, hosts: null, diagnostics: result.diagnostics.map((d) => diagnosticRecord(result.source, d)) };
  const pinned = await pinToLock(specFile, result.spec, false);
  const diagnostics = [...result.warnings.map((d) => diagnosticRecord(result.source, d)), ...pinned.warnings.map((w) => lockWarning(specFile, w))];
  const valid = !(strict && diagnostics.length > 0);
  return { valid, hosts: valid ? result.spec.hosts.length : null, diagnostics };
}
