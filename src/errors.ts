// Errors that decide the exit code in one place (src/cli/main.ts).
// A UserError is the user's to fix: print its message, no stack. Anything else is a bug.

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/** Bad command line or invalid spec: exit 2. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = "UsageError";
  }
}
