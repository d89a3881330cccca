// `npm run docs`: rewrites the spec reference table in README.md from the generated JSON Schema.
// test/unit/json-schema.test.ts fails when the committed README differs from what this writes.

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { specJsonSchema } from "../../src/spec/json-schema.js";
import { loadProfiles } from "../../src/spec/profiles.js";
import { specReferenceTable, withSpecReference } from "../../src/spec/reference-table.js";
import { REPO } from "../support.js";

const readme = join(REPO, "README.md");
const updated = withSpecReference(await readFile(readme, "utf8"), specReferenceTable(specJsonSchema(await loadProfiles())));
if (updated === undefined) throw new Error("README.md has no spec reference markers");
await writeFile(readme, updated);
console.log(`wrote the spec reference in ${readme}`);
