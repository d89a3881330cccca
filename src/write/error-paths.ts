// Errors from work done under a temporary name (a scratch copy, a staging folder, a temporary
// file) should name the place the user knows: the real folder or file.

/** The error with `from` turned into `to` in its message, stack and file paths (path, dest); returned for `throw`. */
export function withPathReplaced(error: unknown, from: string, to: string): unknown {
  if (!(error instanceof Error)) return error;
  const fields = error as Error & { path?: unknown; dest?: unknown };
  error.message = error.message.replaceAll(from, to);
  if (error.stack) error.stack = error.stack.replaceAll(from, to);
  for (const key of ["path", "dest"] as const) if (typeof fields[key] === "string") fields[key] = fields[key].replaceAll(from, to);
  return error;
}

/** Node's errors from a file handle (write, sync, chmod) carry no path: give them the file's. */
export function withPath(error: unknown, path: string): unknown {
  const fields = error as { code?: unknown; path?: unknown };
  if (error instanceof Error && typeof fields.code === "string" && fields.path === undefined) fields.path = path;
  return error;
}
