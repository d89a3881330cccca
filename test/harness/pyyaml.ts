// PyYAML (and its libyaml loader when built with it), the reader cloud-init uses, run once over
// many texts: each comes back as JSON, or as the error PyYAML raised. Anything JSON has no form for
// (a date, a non-string key) comes back as a string that names it, so it cannot compare equal.

import { spawnSync } from "node:child_process";
import { SYSTEM_PYTHON } from "./prerequisites.js";

export type Loaded = { value?: unknown; error?: string };

const PYTHON_LOADER = `
import json, sys, yaml
def plain(v):
    if isinstance(v, dict): return {k if isinstance(k, str) else "<non-string key %r>" % (k,): plain(x) for k, x in v.items()}
    if isinstance(v, list): return [plain(x) for x in v]
    if v is None or isinstance(v, (str, bool, int, float)): return v
    return "<%s %r>" % (type(v).__name__, v)
def load(text, loader):
    try: return {"value": plain(yaml.load(text, Loader=loader))}
    except Exception as e: return {"error": str(e)}
loaders = {"PyYAML": yaml.SafeLoader}
if yaml.__with_libyaml__: loaders["libyaml (PyYAML CSafeLoader)"] = yaml.CSafeLoader
texts = json.load(sys.stdin)
print(json.dumps({name: [load(t, loader) for t in texts] for name, loader in loaders.items()}))
`;

/** Per loader ("PyYAML", and "libyaml (PyYAML CSafeLoader)" when present), each text as loaded. */
export function loadWithPyYaml(texts: string[]): Record<string, Loaded[]> {
  const python = spawnSync(SYSTEM_PYTHON, ["-c", PYTHON_LOADER], { input: JSON.stringify(texts), encoding: "utf8", maxBuffer: 1 << 28 });
  if (python.status !== 0) throw new Error(`PyYAML loader failed: ${python.stderr}`);
  return JSON.parse(python.stdout) as Record<string, Loaded[]>;
}
