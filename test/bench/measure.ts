// What every benchmark needs: wall time of a process or a function, medians, progress on stderr.

import { runChecked, type RunOptions } from "../harness/exec.js";

const started = performance.now();

/** A progress line on stderr, stamped with the time since the benchmark began. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

/** Whole-process wall time in seconds: spawn to exit. A failing command fails the benchmark. */
export function timeProcess(argv: readonly string[], opts: RunOptions = {}): Promise<number> {
  return timed(() => runChecked(argv, opts));
}

/** The middle value (the upper middle of an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error("median of nothing");
  return middle;
}

export const seconds = (value: number): string => value.toFixed(value < 10 ? 3 : 2);
export const ratio = (value: number): string => `${value.toFixed(2)}×`;
export const runsList = (values: readonly number[]): string => values.map((v) => v.toFixed(2)).join(" ");
