// PromQL: a label value goes into a double-quoted string literal. PromQL reads Go's escapes
// (\" \\ \n \uXXXX ...), and a JSON string uses only those, so JSON's quoting is PromQL's too.

import { assertOneLine } from "./token.js";

export function promqlString(value: string): string {
  return JSON.stringify(assertOneLine("PromQL", value));
}

/** `name="value"` for a label matcher; label names are fixed by us, values come from the spec. */
export function promqlMatcher(label: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(label)) throw new Error(`PromQL: ${JSON.stringify(label)} is not a label name`);
  return `${label}=${promqlString(value)}`;
}
