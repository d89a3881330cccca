// POSIX sh: every value a script or a sourced file carries goes through shellQuote, so it is one
// word whatever it holds ($(), backticks, ;, {a,b}, quotes, line breaks). sh cannot hold NUL.

/** One sh word: single quotes keep every byte literal; a ' is closed, escaped and reopened. */
export function shellQuote(value: string): string {
  if (value.includes("\0")) throw new Error(`shell: ${JSON.stringify(value)} holds a NUL byte, which no sh variable can carry`);
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** NAME='value': a variable assignment, as scripts and sourced settings files hold them. */
export function shellAssignment(name: string, value: string): string {
  if (!NAME.test(name)) throw new Error(`shell: ${JSON.stringify(name)} is not a variable name`);
  return `${name}=${shellQuote(value)}`;
}

/** Characters no POSIX shell gives a meaning inside a word (no expansion, glob, brace or tilde). */
const BARE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One sh word, left bare when nothing in it needs quoting (readable flags and paths), else single-quoted. */
export function shellWord(value: string): string {
  return BARE_WORD.test(value) ? value : shellQuote(value);
}
