// zod's issues → our diagnostics: plain words, the value that was wrong, and what to write instead.

import type { z } from "zod";
import type { Diagnostic, PathSegment } from "./diagnostics.js";

export function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType): Diagnostic[] {
  const path = issue.path.filter((s): s is PathSegment => typeof s !== "symbol");
  const error = (message: string, atKey = false): Diagnostic => ({ severity: "error", path, message, atKey });
  switch (issue.code) {
    case "unrecognized_keys": {
      const allowed = keysAt(schema, path).join(", ");
      return issue.keys.map((key) => ({
        severity: "error",
        path: [...path, key],
        atKey: true,
        message: `unknown field ${JSON.stringify(key)}: allowed here are ${allowed}`,
      }));
    }
    case "invalid_type":
      return [
        issue.input === undefined
          ? error(`is required: add it (${issue.expected})`, true)
          : error(`expected ${issue.expected === "array" ? "a list" : issue.expected}, got ${describeValue(issue.input)}${quoteHint(issue)}`),
      ];
    case "invalid_value":
      return [error(`${describeValue(issue.input)} is not allowed: use one of ${issue.values.map((v) => String(v)).join(", ")}`)];
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
      if (issue.message && !issue.message.startsWith("Too ")) return [error(issue.message)];
      return [error(issue.origin === "array" ? `needs ${bound} entries` : issue.origin === "string" ? `must be ${bound} characters long` : `must be ${bound}, got ${describeValue(issue.input)}`)];
    }
    case "invalid_union": {
      // Report the option the value came closest to (fewest problems: {device: ..., fsType: "\n"} is a
      // device with a bad fsType, not a tmpfs entry), at the fields themselves, not "Invalid input" above them.
      // An option of another kind altogether (a mapping where a name may stand) is the farthest.
      const distance = (errors: z.core.$ZodIssue[]) => (errors.every((e) => e.code === "invalid_type" && e.path.length === 0) ? Number.MAX_SAFE_INTEGER : errors.length);
      const closest = [...issue.errors].sort((a, b) => distance(a) - distance(b))[0];
      if (!closest || closest.length === 0) return [error(issue.message)];
      return closest.flatMap((inner) => describeIssue({ ...inner, path: [...issue.path, ...inner.path] }, schema));
    }
    default:
      return [error(issue.message)];
  }
}

/** YAML reads `version: 3.6` as a number: say how to make it a string. */
function quoteHint(issue: z.core.$ZodIssueInvalidType): string {
  return issue.expected === "string" && typeof issue.input === "number" ? ` (a number to YAML: put it in quotes, "${issue.input}")` : "";
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return JSON.stringify(value);
}

/** The field names the schema allows at a path, to list them when an unknown one is found (through unions: every option's). */
function keysAt(schema: z.ZodType, path: PathSegment[]): string[] {
  let nodes = alternatives(unwrap(schema));
  for (const segment of path) {
    nodes = nodes.flatMap((node) => {
      const def = node._zod.def as { element?: z.ZodType; shape?: Record<string, z.ZodType> };
      return alternatives(unwrap(typeof segment === "number" ? def.element : def.shape?.[segment]));
    });
  }
  return [...new Set(nodes.flatMap((node) => Object.keys((node._zod.def as { shape?: object }).shape ?? {})))];
}

/** A union's options (each unwrapped), or the node itself. */
function alternatives(node: z.ZodType | undefined): z.ZodType[] {
  if (!node) return [];
  const def = node._zod.def as { type?: string; options?: z.ZodType[] };
  return def.type === "union" ? (def.options ?? []).flatMap((option) => alternatives(unwrap(option))) : [node];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let node = schema;
  for (;;) {
    const def = node?._zod.def as { type?: string; innerType?: z.ZodType; in?: z.ZodType } | undefined;
    if (def?.type === "optional" || def?.type === "default") node = def.innerType;
    else if (def?.type === "pipe") node = def.in;
    else return node;
  }
}
