// An HTTP server on 127.0.0.1 (random port) serving a folder like the release download site, with
// Range support, that misbehaves on request: each request for a path takes the next injected fault
// for it (when there is none it answers correctly). It records every request and its Range and
// If-Range headers; files carry an ETag.

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";

export type Fault =
  /** Answer with this status and a short text body. */
  | { kind: "status"; status: number }
  /** Send the headers and this many body bytes, then close the connection. */
  | { kind: "cut"; afterBytes: number }
  /** Claim a Content-Length this much larger than the body, send the body, close the connection. */
  | { kind: "overstate"; extraBytes: number }
  /** Send the headers and this many body bytes, then nothing, keeping the connection open. */
  | { kind: "stall"; afterBytes: number }
  /** Never answer. */
  | { kind: "hang" }
  /** Answer a Range request with 200 and the whole file. */
  | { kind: "ignore-range" }
  | { kind: "redirect"; location: string };

export interface SeenRequest {
  path: string;
  range: string | undefined;
  ifRange: string | undefined;
}

export interface FaultServer {
  baseUrl: string;
  requests: SeenRequest[];
  /** Queues faults for a path ("/v3.6.14/SHA256SUMS"), used one per request in order. */
  inject(path: string, ...faults: Fault[]): void;
  /** Runs before each request is answered (e.g. to change the files between attempts). */
  onRequest: ((request: SeenRequest) => Promise<void> | void) | undefined;
  close(): Promise<void>;
}

export async function startFaultServer(rootDir: string): Promise<FaultServer> {
  const requests: SeenRequest[] = [];
  const faults = new Map<string, Fault[]>();
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    const ifRange = request.headers["if-range"];
    const seen: SeenRequest = { path, range: request.headers.range, ifRange: Array.isArray(ifRange) ? ifRange[0] : ifRange };
    requests.push(seen);
    const fault = faults.get(path)?.shift();
    Promise.resolve(faultServer.onRequest?.(seen))
      .then(() => serve(rootDir, path, seen, fault, response))
      .catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const faultServer: FaultServer = {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    inject: (path, ...more) => faults.set(path, [...(faults.get(path) ?? []), ...more]),
    onRequest: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return faultServer;
}

async function serve(rootDir: string, path: string, asked: SeenRequest, fault: Fault | undefined, response: ServerResponse): Promise<void> {
  if (fault?.kind === "hang") return;
  if (fault?.kind === "status") return void response.writeHead(fault.status, { "Content-Type": "text/plain" }).end(`injected HTTP ${fault.status}\n`);
  if (fault?.kind === "redirect") return void response.writeHead(302, { Location: fault.location }).end();
  const data = await readFile(join(rootDir, normalize(decodeURIComponent(path)))).catch(() => undefined);
  if (data === undefined) return void response.writeHead(404).end("not found\n");

  // The ETag changes with the content; a Range with a stale If-Range gets the whole new file.
  const etag = `"${createHash("sha256").update(data).digest("hex").slice(0, 16)}"`;
  const rangeHonoured = fault?.kind !== "ignore-range" && (asked.ifRange === undefined || asked.ifRange === etag);
  const start = rangeHonoured ? rangeStart(asked.range) : undefined;
  if (start !== undefined && start >= data.length) {
    return void response.writeHead(416, { "Content-Range": `bytes */${data.length}` }).end();
  }
  const body = data.subarray(start ?? 0);
  const declaredLength = body.length + (fault?.kind === "overstate" ? fault.extraBytes : 0);
  const headers: Record<string, string | number> = { "Content-Length": declaredLength, "Accept-Ranges": "bytes", ETag: etag };
  if (start !== undefined) headers["Content-Range"] = `bytes ${start}-${data.length - 1}/${data.length}`;
  response.writeHead(start === undefined ? 200 : 206, headers);

  switch (fault?.kind) {
    case "cut":
      return void response.write(body.subarray(0, fault.afterBytes), () => closeSoon(response));
    case "overstate":
      return void response.write(body, () => closeSoon(response));
    case "stall":
      return void response.write(body.subarray(0, fault.afterBytes));
    default:
      response.end(body);
  }
}

/** Closes the connection a little later: undici drops body bytes it has not handed out yet when the
 * connection closes, and the tests want to know exactly how much the client had. */
function closeSoon(response: ServerResponse): void {
  setTimeout(() => response.socket?.destroy(), 50);
}

/** The start of "bytes=<start>-" (the only form the fetcher sends). */
function rangeStart(header: string | undefined): number | undefined {
  const match = /^bytes=(\d+)-$/.exec(header ?? "");
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
