// The spec's JSON Schema and the README's reference table are generated from the zod schema:
// the committed copies must be what the generator writes now (npm run schema, npm run docs),
// and every field must say what it is, since editors show that text while the spec is written.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { SCHEMA_FILE_NAME, specJsonSchema, specJsonSchemaText } from "../../src/spec/json-schema.js";
import { loadProfiles } from "../../src/spec/profiles.js";
import { REFERENCE_END, REFERENCE_START, specReferenceTable, withSpecReference } from "../../src/spec/reference-table.js";
import { REPO } from "../support.js";

const profiles = await loadProfiles();

test("schema/etcdboot-v1alpha1.json is the generator's output (regenerate: npm run schema)", async () => {
  const committed = await readFile(join(REPO, "schema", SCHEMA_FILE_NAME), "utf8");
  assert.equal(committed, specJsonSchemaText(profiles));
});

test("README's spec reference table is generated from the schema (regenerate: npm run docs)", async () => {
  const readme = await readFile(join(REPO, "README.md"), "utf8");
  const table = specReferenceTable(specJsonSchema(profiles));
  assert.equal(withSpecReference(readme, table), readme);
  assert.ok(readme.includes(REFERENCE_START) && readme.includes(REFERENCE_END));
});

test("every field of the spec has a description and appears in the reference table", () => {
  const table = specReferenceTable(specJsonSchema(profiles)).split("\n").filter((line) => line.startsWith("| `"));
  const undescribed = table.filter((line) => line.endsWith("|  |")).map((line) => line.split(" | ")[0]);
  assert.deepEqual(undescribed, [], "add .describe() to these fields in src/spec/schema.ts");
  for (const field of ["`apiVersion`", "`hosts[].address`", "`hosts[].storage.device`", "`hosts[].storage.tmpfs`", "`tuning.autoCompaction.mode`", "`backup.keep`"])
    assert.ok(table.some((line) => line.startsWith(`| ${field} |`)), `${field} in the table`);
});

test("the schema describes what the user writes: shorthands, defaults optional, unknown keys refused", () => {
  const schema = specJsonSchema(profiles) as { $schema: string; required: string[]; additionalProperties: boolean; properties: Record<string, Record<string, unknown>> };
  assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
  assert.deepEqual(schema.required.sort(), ["apiVersion", "cluster", "hosts"]);
  assert.equal(schema.additionalProperties, false);
  const tuning = schema.properties["tuning"] as { anyOf: Array<{ type: string; enum?: string[] }> };
  assert.deepEqual(tuning.anyOf.map((option) => option.type), ["string", "object"]);
  assert.deepEqual(tuning.anyOf[0]?.enum, [...profiles.tuningPresets.keys()]);
  assert.ok(!JSON.stringify(schema).includes('"shorthand"'), "the metadata that asks for the shorthand is not left in the schema");
});
