// A static file server on 127.0.0.1 (random port) standing in for the release download site.
// GET/HEAD only, 404 for anything missing or outside the served folder, no directory listings.

import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isAbsolute, join, relative, sep } from "node:path";

export interface FolderServer {
  /** "http://127.0.0.1:<port>", no trailing slash. */
  baseUrl: string;
  /** Request paths in arrival order, as sent (query strings removed), e.g. "/v3.4.23/SHA256SUMS". */
  requests: string[];
  close(): Promise<void>;
}

export async function serveFolder(dir: string): Promise<FolderServer> {
  const root = await realpath(dir);
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    requests.push(path);
    handle(root, path, request, response).catch((error: unknown) => {
      if (!response.headersSent) respond(response, 500, `${String(error)}\n`);
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(root: string, urlPath: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("Allow", "GET, HEAD");
    return respond(response, 405, "method not allowed\n");
  }
  const file = await resolveInside(root, urlPath);
  const info = file === undefined ? undefined : await stat(file).catch(() => undefined);
  if (file === undefined || !info?.isFile()) return respond(response, 404, "not found\n");
  response.writeHead(200, { "Content-Length": info.size, "Content-Type": "application/octet-stream" });
  if (request.method === "HEAD") {
    response.end();
    return;
  }
  createReadStream(file).on("error", () => response.destroy()).pipe(response);
}

/** The real path of urlPath under root, or undefined when it is missing or escapes root (.., symlinks). */
async function resolveInside(root: string, urlPath: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) return undefined;
  const real = await realpath(join(root, decoded)).catch(() => undefined);
  if (real === undefined) return undefined;
  const inside = relative(root, real);
  const escapes = inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside);
  return escapes ? undefined : real;
}

function respond(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
  response.end(body);
}
