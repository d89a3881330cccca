// Fetches one source URL (http, https or file) into a sink, reporting progress when asked.

import type { Dispatcher } from "undici";
import { httpDownload } from "./http-download.js";
import { readLocalFile } from "./local-source.js";
import type { ProgressReporter, ProgressTask } from "./progress.js";
import type { DownloadSink } from "./sink.js";

export interface DownloadOptions {
  dispatcher: Dispatcher;
  timeoutMs: number;
  attempts: number;
  retryDelayMs: number;
  /** Shows the transfer under this file name. */
  progress?: { reporter: ProgressReporter; file: string };
}

export async function download(url: string, sink: DownloadSink, opts: DownloadOptions): Promise<void> {
  const reporting = opts.progress ? new ReportingSink(sink, opts.progress.reporter, opts.progress.file) : undefined;
  const target = reporting ?? sink;
  try {
    if (url.startsWith("file:")) await readLocalFile(url, target);
    else await httpDownload(url, target, opts);
    reporting?.task?.done();
  } catch (error) {
    reporting?.task?.fail((error as Error).message);
    throw error;
  }
}

/** Starts the progress task once the size is known (the first response), then counts bytes. */
class ReportingSink implements DownloadSink {
  task: ProgressTask | undefined;

  constructor(
    private readonly inner: DownloadSink,
    private readonly reporter: ProgressReporter,
    private readonly file: string,
  ) {}

  get size(): number {
    return this.inner.size;
  }

  expectSize(totalBytes: number | undefined): void {
    this.inner.expectSize(totalBytes);
    this.task ??= this.reporter.start(this.file, totalBytes);
  }

  async write(chunk: Buffer): Promise<void> {
    await this.inner.write(chunk);
    this.task?.advance(chunk.length);
  }

  async restart(): Promise<void> {
    this.task?.advance(-this.inner.size);
    await this.inner.restart();
  }
}
