// Runs a CLI script in this very process and, when the process exits, writes its resource usage
// (process.resourceUsage(): CPU time, peak RSS) as JSON to a file: what /usr/bin/time -v reports,
// without needing it installed. Usage: node resource-usage-process.js STATS_FILE SCRIPT [ARGS...]

import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [statsFile, script, ...args] = process.argv.slice(2);
if (statsFile === undefined || script === undefined) throw new Error("usage: resource-usage-process.js STATS_FILE SCRIPT [ARGS...]");
process.argv = [process.argv[0] ?? process.execPath, script, ...args];
process.on("exit", () => writeFileSync(statsFile, JSON.stringify(process.resourceUsage())));
await import(pathToFileURL(script).href);
