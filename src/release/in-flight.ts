// Shares one running task among everyone who asks for the same key while it runs, so concurrent
// fetches of one URL make one transfer. Settled tasks are forgotten: the cache serves later calls.

export class InFlight<T> {
  readonly #running = new Map<string, Promise<T>>();

  run(key: string, task: () => Promise<T>): Promise<T> {
    const running = this.#running.get(key);
    if (running) return running;
    const started = task().finally(() => this.#running.delete(key));
    this.#running.set(key, started);
    return started;
  }
}
