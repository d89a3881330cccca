// Errors of fetching and unpacking etcd releases. Both are the user's to act on (network, mirror,
// spec, lock), so they are UserErrors: the CLI prints the message without a stack.

import { UserError } from "../errors.js";

export class ReleaseError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "ReleaseError";
  }
}

/** A failed transfer of one URL. fetch-release.ts adds which release it was and what to try. */
export class DownloadError extends ReleaseError {
  readonly retryable: boolean;
  /** The server (or the local folder) has no such file: retrying cannot help. */
  readonly notFound: boolean;

  constructor(message: string, opts: { retryable: boolean; notFound?: boolean }) {
    super(message);
    this.name = "DownloadError";
    this.retryable = opts.retryable;
    this.notFound = opts.notFound ?? false;
  }
}
