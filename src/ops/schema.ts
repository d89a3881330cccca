// `etcdboot schema`: the spec's JSON Schema from this installation's zod schema and profiles.

import { specJsonSchemaText } from "../spec/json-schema.js";
import { loadProfiles } from "../spec/profiles.js";

export async function specSchemaText(): Promise<string> {
  return specJsonSchemaText(await loadProfiles());
}
