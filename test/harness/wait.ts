// Bounded waiting: every wait in the harness has a deadline, so a broken cluster fails a test
// quickly instead of hanging the suite.

import { setTimeout as sleep } from "node:timers/promises";

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Named in the timeout error: "all members healthy". */
  description: string;
  /** Checked before each poll: a reason to give up at once (say, the server died) or undefined. */
  giveUpIf?: () => string | undefined;
}

/** Polls check until it returns true; throws after timeoutMs, quoting the last error check threw. */
export async function waitUntil(check: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const reason = opts.giveUpIf?.();
    if (reason !== undefined) throw new Error(`gave up waiting for ${opts.description}: ${reason}`);
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError === undefined ? "" : `; last error: ${String(lastError)}`;
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.description}${cause}`);
    }
    await sleep(opts.intervalMs ?? 250);
  }
}

/** True when promise settles within ms, false when the time runs out first. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timeout = new AbortController();
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      sleep(ms, false, { signal: timeout.signal }),
    ]);
  } finally {
    timeout.abort();
  }
}
