// Download progress for people. On a terminal: one line per file, redrawn in place (at most ~10
// times a second) with bytes, rate, ETA and a bar. Elsewhere (CI logs, pipes): one summary line
// per file when it is done. Quiet: nothing.

import { formatBytes } from "../human-size.js";
import { elideMiddle } from "../text-table.js";

export interface ProgressTask {
  /** Bytes received; negative when a transfer starts over and discards what it had. */
  advance(bytes: number): void;
  done(note?: string): void;
  fail(reason: string): void;
}

export interface ProgressReporter {
  start(file: string, totalBytes: number | undefined): ProgressTask;
}

export interface ProgressStream {
  write(s: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export const silentProgress: ProgressReporter = {
  start: () => ({ advance() {}, done() {}, fail() {} }),
};

export function progressReporter(opts: { stream: ProgressStream; quiet: boolean }): ProgressReporter {
  if (opts.quiet) return silentProgress;
  return opts.stream.isTTY ? new LiveProgress(opts.stream) : new SummaryProgress(opts.stream);
}

const REDRAW_INTERVAL_MS = 100;
const BAR_WIDTH = 20;
/** The fewest characters of a file name a live line keeps (before the bar is dropped). */
const MIN_NAME = 12;

/**
 * name + tail in fewer than `columns` characters (a full-width line wraps on some terminals and
 * breaks the cursor arithmetic): the name loses its middle first ("etcd-v3.6…amd64.tar.gz").
 */
function fitName(name: string, tail: string, columns: number | undefined): string {
  const room = columns === undefined ? Infinity : columns - 1 - tail.length;
  if (name.length <= room) return name + tail;
  if (room < MIN_NAME) return `${name}${tail}`.slice(0, Math.max(0, (columns ?? 1) - 1));
  return `${elideMiddle(name, room)}${tail}`;
}

/** What a task has done so far, and the words for it. */
class Transfer {
  bytes = 0;
  readonly startedAt = performance.now();
  /** Set when the task ends: the last line to show for it. */
  finalLine: string | undefined;

  constructor(
    readonly file: string,
    readonly totalBytes: number | undefined,
  ) {}

  advance(bytes: number): void {
    this.bytes = Math.max(0, this.bytes + bytes);
  }

  seconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  bytesPerSecond(): number {
    const seconds = this.seconds();
    return seconds > 0 ? this.bytes / seconds : 0;
  }

  /** "etcd-….tar.gz 22.1 MiB in 1.3 s (17.0 MiB/s)", or "etcd-….tar.gz 22.1 MiB (cached)" when nothing was transferred. */
  summary(note?: string): string {
    const suffix = note ? ` (${note})` : "";
    if (this.bytes === 0) return `${this.file}${this.totalBytes === undefined ? "" : ` ${formatBytes(this.totalBytes)}`}${suffix}`;
    return `${this.file} ${formatBytes(this.bytes)} in ${this.seconds().toFixed(1)} s (${formatBytes(this.bytesPerSecond())}/s)${suffix}`;
  }

  /**
   * "etcd-….tar.gz [=======>      ] 12.0 MiB / 22.1 MiB  8.4 MiB/s  ETA 2 s", in fewer than
   * `columns` characters: the file name is shortened first, then the bar goes; speed and ETA stay.
   */
  liveLine(columns?: number): string {
    const rate = this.bytesPerSecond();
    const speed = `${formatBytes(rate)}/s`;
    if (this.totalBytes === undefined || this.totalBytes === 0) return fitName(this.file, ` ${formatBytes(this.bytes)}  ${speed}`, columns);
    const fraction = Math.min(1, this.bytes / this.totalBytes);
    const eta = rate > 0 ? `ETA ${formatSeconds((this.totalBytes - this.bytes) / rate)}` : "ETA ?";
    const figures = `${formatBytes(this.bytes)} / ${formatBytes(this.totalBytes)}  ${speed}  ${eta}`;
    const withBar = ` ${bar(fraction)} ${figures}`;
    const room = columns === undefined ? Infinity : columns - 1;
    return withBar.length + MIN_NAME <= room ? fitName(this.file, withBar, columns) : fitName(this.file, ` ${figures}`, columns);
  }
}

class SummaryProgress implements ProgressReporter {
  constructor(private readonly stream: ProgressStream) {}

  start(file: string, totalBytes: number | undefined): ProgressTask {
    const transfer = new Transfer(file, totalBytes);
    return {
      advance: (bytes) => transfer.advance(bytes),
      done: (note) => this.stream.write(`${transfer.summary(note)}\n`),
      fail: (reason) => this.stream.write(`${file} failed: ${reason}\n`),
    };
  }
}

/** Keeps the lines of the current files at the bottom of the terminal and redraws them in place. */
class LiveProgress implements ProgressReporter {
  private transfers: Transfer[] = [];
  private linesOnScreen = 0;
  private lastDrawAt = 0;

  constructor(private readonly stream: ProgressStream) {}

  start(file: string, totalBytes: number | undefined): ProgressTask {
    const transfer = new Transfer(file, totalBytes);
    this.transfers.push(transfer);
    this.draw(true);
    return {
      advance: (bytes) => {
        transfer.advance(bytes);
        this.draw(false);
      },
      done: (note) => this.finish(transfer, transfer.summary(note)),
      fail: (reason) => this.finish(transfer, `${file} failed: ${reason}`),
    };
  }

  private finish(transfer: Transfer, line: string): void {
    transfer.finalLine = line;
    this.draw(true);
    // Once all are done their lines stay as they are; the next files get fresh lines below.
    if (this.transfers.every((t) => t.finalLine !== undefined)) {
      this.transfers = [];
      this.linesOnScreen = 0;
    }
  }

  private draw(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastDrawAt < REDRAW_INTERVAL_MS) return;
    this.lastDrawAt = now;
    const up = this.linesOnScreen > 0 ? `\x1b[${this.linesOnScreen}A` : "";
    const lines = this.transfers.map((t) => `\r\x1b[2K${this.fit(t.finalLine ?? t.liveLine(this.stream.columns))}\n`);
    this.stream.write(up + lines.join(""));
    this.linesOnScreen = this.transfers.length;
  }

  /** A line wider than the terminal would wrap and break the cursor arithmetic. */
  private fit(line: string): string {
    const columns = this.stream.columns;
    return columns && line.length >= columns ? line.slice(0, columns - 1) : line;
  }
}

function bar(fraction: number): string {
  const filled = Math.round(fraction * BAR_WIDTH);
  const head = filled < BAR_WIDTH ? ">" : "";
  return `[${"=".repeat(Math.max(0, filled - head.length))}${head}${" ".repeat(BAR_WIDTH - Math.max(filled, head.length))}]`;
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`;
}
