// One URL over HTTP(S) into a sink, robustly: timeouts on connect, headers and an idle body; retries
// with exponential backoff on connection errors, timeouts, 408/429 and 5xx; a transfer cut short
// resumes with a Range request; redirects are followed (GitHub release URLs redirect to storage).

import { setTimeout as sleep } from "node:timers/promises";
import { request, type Dispatcher } from "undici";
import { DownloadError } from "./errors.js";
import type { DownloadSink } from "./sink.js";

export interface HttpDownloadOptions {
  dispatcher: Dispatcher;
  /** Headers and body-idle timeout per request (the connect timeout belongs to the dispatcher). */
  timeoutMs: number;
  /** Tries in all; every failed try counts, whether or not it received bytes. */
  attempts: number;
  /** Wait before the second try; doubles for each further one. */
  retryDelayMs: number;
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** What identifies the version of the file being received, so a resume cannot splice two versions. */
interface Validator {
  /** A strong ETag or a Last-Modified date, sent back as If-Range. */
  value: string | undefined;
}

export async function httpDownload(url: string, sink: DownloadSink, opts: HttpDownloadOptions): Promise<void> {
  const validator: Validator = { value: undefined };
  let lastFailure: DownloadError | undefined;
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    if (attempt > 1) await sleep(opts.retryDelayMs * 2 ** (attempt - 2));
    try {
      await transferOnce(url, sink, validator, opts);
      return;
    } catch (error) {
      lastFailure = asDownloadError(error, opts.timeoutMs);
      if (!lastFailure.retryable) throw lastFailure;
    }
  }
  const tries = opts.attempts === 1 ? "1 attempt" : `${opts.attempts} attempts`;
  throw new DownloadError(`${lastFailure?.message ?? "no attempt was made"} (gave up after ${tries})`, { retryable: false });
}

/** One request: a fresh GET, or a Range request going on from what the sink already holds. */
async function transferOnce(url: string, sink: DownloadSink, validator: Validator, opts: HttpDownloadOptions): Promise<void> {
  const resumeFrom = sink.size;
  const { statusCode, headers, body } = await requestFollowingRedirects(url, resumeHeaders(resumeFrom, validator), opts);
  if (statusCode === 200) validator.value = strongValidator(headers);
  // Failures reach us through the iteration below; destroying an unread body must not also crash.
  body.on("error", () => {});
  try {
    const expectedEnd = await acceptResponse(statusCode, headers, resumeFrom, sink);
    try {
      for await (const chunk of body) await writeTo(sink, chunk as Buffer);
    } catch (error) {
      // How a body shorter than its Content-Length usually ends: the server closes the connection.
      if (expectedEnd !== undefined && (error as { code?: string }).code === "UND_ERR_SOCKET") throw shortBody(sink.size, expectedEnd);
      throw error;
    }
    if (expectedEnd !== undefined && sink.size !== expectedEnd) throw shortBody(sink.size, expectedEnd);
  } finally {
    body.destroy();
  }
}

/** Range (and If-Range: a server whose file changed meanwhile answers 200 with the new one). */
function resumeHeaders(resumeFrom: number, validator: Validator): Record<string, string> {
  if (resumeFrom === 0) return {};
  return { range: `bytes=${resumeFrom}-`, ...(validator.value ? { "if-range": validator.value } : {}) };
}

/** If-Range takes a strong ETag or a date; a weak ETag ("W/...") is not allowed there. */
function strongValidator(headers: Headers): string | undefined {
  const etag = header(headers, "etag");
  if (etag !== undefined && !etag.startsWith("W/")) return etag;
  return header(headers, "last-modified");
}

/** Checks the status against what was asked; returns the size the sink must reach (when known). */
async function acceptResponse(status: number, headers: Headers, resumeFrom: number, sink: DownloadSink): Promise<number | undefined> {
  const contentLength = numberHeader(headers, "content-length");
  if (status === 200) {
    // A server that ignores Range sends the whole file again.
    if (resumeFrom > 0) await sink.restart();
    sink.expectSize(contentLength);
    return contentLength;
  }
  if (status === 206 && resumeFrom > 0) {
    const range = parseContentRange(header(headers, "content-range"));
    if (range?.start !== resumeFrom) {
      await sink.restart();
      throw new DownloadError(`the server resumed at the wrong offset (Content-Range: ${header(headers, "content-range") ?? "none"})`, { retryable: true });
    }
    const total = range.total ?? (contentLength === undefined ? undefined : resumeFrom + contentLength);
    sink.expectSize(total);
    return total;
  }
  if (status === 416 && resumeFrom > 0) {
    await sink.restart();
    throw new DownloadError("the server refused to resume (HTTP 416)", { retryable: true });
  }
  if (status === 404 || status === 410) throw new DownloadError(`HTTP ${status}`, { retryable: false, notFound: true });
  throw new DownloadError(`HTTP ${status}`, { retryable: RETRYABLE_STATUSES.has(status) || status >= 500 });
}

async function requestFollowingRedirects(url: string, headers: Record<string, string>, opts: HttpDownloadOptions): Promise<Dispatcher.ResponseData> {
  let current = new URL(url);
  for (let redirects = 0; ; redirects++) {
    const response = await request(current, {
      method: "GET",
      headers,
      dispatcher: opts.dispatcher,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
    if (!REDIRECT_STATUSES.has(response.statusCode)) return response;
    await response.body.dump();
    const location = header(response.headers, "location");
    if (location === undefined) throw new DownloadError(`HTTP ${response.statusCode} without a Location`, { retryable: false });
    if (redirects === MAX_REDIRECTS) throw new DownloadError(`more than ${MAX_REDIRECTS} redirects`, { retryable: false });
    const next = new URL(location, current);
    if (current.protocol === "https:" && next.protocol !== "https:") {
      throw new DownloadError(`refusing to follow a redirect from https to ${next.href}`, { retryable: false });
    }
    current = next;
  }
}

function shortBody(received: number, expected: number): DownloadError {
  return new DownloadError(`the body ended after ${received} of ${expected} bytes`, { retryable: true });
}

/** A sink that cannot store (disk full, too big) fails the download: retrying would not help. */
async function writeTo(sink: DownloadSink, chunk: Buffer): Promise<void> {
  try {
    await sink.write(chunk);
  } catch (error) {
    if (error instanceof DownloadError) throw error;
    throw new DownloadError(`cannot store the download: ${(error as Error).message}`, { retryable: false });
  }
}

/** Errors from undici and the network, described for people; all of them are worth another try. */
function asDownloadError(error: unknown, timeoutMs: number): DownloadError {
  if (error instanceof DownloadError) return error;
  const { code, message } = error as { code?: string; message?: string };
  const seconds = `${timeoutMs / 1000} s`;
  switch (code) {
    case "UND_ERR_CONNECT_TIMEOUT":
      return new DownloadError(`could not connect within ${seconds}`, { retryable: true });
    case "UND_ERR_HEADERS_TIMEOUT":
      return new DownloadError(`no response within ${seconds}`, { retryable: true });
    case "UND_ERR_BODY_TIMEOUT":
      return new DownloadError(`the transfer stalled: no data for ${seconds}`, { retryable: true });
    case "UND_ERR_SOCKET":
      return new DownloadError(`the connection broke mid-transfer (${message})`, { retryable: true });
    case "UND_ERR_INVALID_ARG":
      return new DownloadError(`invalid request: ${message}`, { retryable: false });
    default:
      return new DownloadError(code ? `${message} (${code})` : String(message ?? error), { retryable: true });
  }
}

type Headers = Dispatcher.ResponseData["headers"];

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function numberHeader(headers: Headers, name: string): number | undefined {
  const value = header(headers, name);
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** "bytes 100-199/2000" → { start: 100, total: 2000 }; "bytes 100-199/*" → total undefined. */
function parseContentRange(value: string | undefined): { start: number; total: number | undefined } | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(value ?? "");
  if (!match?.[1] || !match[2]) return undefined;
  return { start: Number(match[1]), total: match[2] === "*" ? undefined : Number(match[2]) };
}
