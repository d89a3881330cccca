// Cleanups that must run however the process ends: normally, through process.exit, or by Ctrl-C
// or kill (SIGINT, SIGTERM, SIGHUP) — a PKI folder's lock, a scratch copy of the CA key. Each is
// synchronous, since nothing asynchronous runs after a signal. After a signal the cleanups run
// and the signal is raised again without our listener, so the process still dies of it (a shell
// sees 130 or 143). Only node: modules here: an up-to-date build uses it through the lock.

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const cleanups = new Set<() => void>();

function runCleanups(): void {
  for (const cleanup of [...cleanups]) {
    try {
      cleanup();
    } catch {
      // one failed cleanup must not keep the others from running
    }
  }
  cleanups.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  runCleanups();
  stopListening();
  process.kill(process.pid, signal); // now without our listener: the default action ends the process
}

function listen(): void {
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on("exit", runCleanups);
}

function stopListening(): void {
  for (const signal of SIGNALS) process.off(signal, onSignal);
  process.off("exit", runCleanups);
}

/** Runs cleanup if the process ends before the returned function is called (which forgets it). */
export function cleanUpOnExit(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  if (cleanups.size === 1) listen();
  return () => {
    if (!cleanups.delete(cleanup)) return;
    if (cleanups.size === 0) stopListening();
  };
}
