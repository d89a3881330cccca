// serveFolder in a process of its own, for the benchmark: a server in the benchmark's process would
// take event-loop time from our fetcher but not from curl. Prints its base URL on the first line.
// Usage: node dist/test/bench/folder-server-process.js <folder>

import { serveFolder } from "../harness/http-server.js";

const folder = process.argv[2];
if (folder === undefined) throw new Error("usage: folder-server-process.js <folder>");
const server = await serveFolder(folder);
process.stdout.write(`${server.baseUrl}\n`);
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
