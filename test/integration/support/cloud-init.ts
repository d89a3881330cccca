// Debian's cloud-init as the judge of generated files: `cloud-init schema` for user-data (with
// python3-jsonschema, so it really validates) and cloud-init's own parser for network-config.

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { SYSTEM_PYTHON } from "../../harness/prerequisites.js";
import { REPO } from "../../support.js";

const run = promisify(execFile);
const NETWORK_VALIDATOR = join(REPO, "test", "integration", "support", "validate-network-config.py");

export async function cloudInitSchema(file: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run("cloud-init", ["schema", "-c", file]);
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

export async function validateNetworkConfig(files: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout } = await run(SYSTEM_PYTHON, [NETWORK_VALIDATOR, ...files]);
    return { ok: true, output: stdout };
  } catch (error) {
    return { ok: false, output: String((error as { stdout?: string }).stdout) };
  }
}
