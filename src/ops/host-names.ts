// Host names for shell completion (`etcdboot __complete-hosts SPEC`): read leniently, so a spec
// that is half-edited still completes; only names that pass the host-name validator are offered,
// since the shell inserts them into the command line as they are.

import { readFile, stat } from "node:fs/promises";
import { hostName } from "../spec/fields.js";
import { MAX_SPEC_BYTES, parseSpecYaml } from "../spec/parse-yaml.js";

export async function specHostNames(specFile: string): Promise<string[]> {
  const size = (await stat(specFile).catch(() => undefined))?.size;
  if (size === undefined || size > MAX_SPEC_BYTES) return [];
  const text = await readFile(specFile, "utf8").catch(() => "");
  const yaml = parseSpecYaml(text, Buffer.byteLength(text));
  if (!yaml.ok) return [];
  const hosts = (yaml.value as { hosts?: unknown } | null)?.hosts;
  if (!Array.isArray(hosts)) return [];
  return hosts.map((host) => (host as { name?: unknown } | null)?.name).filter((name): name is string => hostName.safeParse(name).success);
}
