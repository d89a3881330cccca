// The spec's JSON Schema, for editors (YAML language servers) and CI: generated from the zod
// schema and the shipped profiles alone, so it cannot drift from what etcdboot accepts. It
// describes what the user writes (zod's input side: defaults make fields optional). Checks that
// JSON Schema cannot express (IP addresses, supported etcd releases, cross-field rules) stay
// with etcdboot: the schema may accept a spec `etcdboot build --check` refuses, never the reverse.

import { z } from "zod";
import type { Profiles } from "./profiles.js";
import { API_VERSION, buildSpecSchema } from "./schema.js";

export const SCHEMA_FILE_NAME = `${API_VERSION.replace("/", "-")}.json`;

type JsonSchema = Record<string, unknown>;

export function specJsonSchema(profiles: Profiles): JsonSchema {
  const generated = z.toJSONSchema(buildSpecSchema(profiles), {
    io: "input",
    unrepresentable: "any",
    override: ({ zodSchema, jsonSchema }) => acceptShorthand(z.globalRegistry.get(zodSchema as z.core.$ZodType), jsonSchema),
  });
  const { $schema, ...rest } = generated as JsonSchema;
  return { $schema, title: `etcdboot cluster spec (${API_VERSION})`, ...rest };
}

/**
 * A mapping whose metadata names `shorthand: KEY` also accepts that key's value alone
 * (`tuning: wan` for `tuning: {preset: wan}`): anyOf the key's schema and the mapping.
 */
function acceptShorthand(meta: Record<string, unknown> | undefined, jsonSchema: JsonSchema): void {
  const key = meta?.["shorthand"];
  if (typeof key !== "string") return;
  const { description, default: fallback, shorthand: _, ...mapping } = jsonSchema;
  const short = (mapping["properties"] as Record<string, JsonSchema> | undefined)?.[key];
  if (!short) throw new Error(`shorthand ${key} names no property of its mapping`);
  for (const name of Object.keys(jsonSchema)) delete jsonSchema[name];
  Object.assign(jsonSchema, {
    ...(description === undefined ? {} : { description }),
    ...(fallback === undefined ? {} : { default: fallback }),
    anyOf: [{ ...short, description: undefined }, mapping].map(withoutUndefined),
  });
}

function withoutUndefined(schema: JsonSchema): JsonSchema {
  return Object.fromEntries(Object.entries(schema).filter(([, value]) => value !== undefined));
}

/** The committed file's text: stable key order as generated, two-space indent, final newline. */
export function specJsonSchemaText(profiles: Profiles): string {
  return `${JSON.stringify(specJsonSchema(profiles), null, 2)}\n`;
}
