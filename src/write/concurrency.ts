// Many independent file operations at once, but not thousands: libuv's pool has 4 threads, and
// a few dozen requests in flight keep it busy without holding a file descriptor per file.

export const FILE_CONCURRENCY = 32;

/** Runs task on every item, at most `limit` at a time. After a failure no new task starts; rejects with it once the running ones settle. */
export async function forEachLimited<T>(items: readonly T[], task: (item: T) => Promise<void>, limit = FILE_CONCURRENCY): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length && failures.length === 0) {
      const item = items[next++] as T;
      await task(item).catch((error: unknown) => void failures.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length > 0) throw failures[0];
}
