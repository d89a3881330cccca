// PowerShell scripts users dot-source (`. .\etcdctl.env.ps1`): every value a verbatim string.
// Inside '…' PowerShell expands nothing ($, `, $(…) are plain text) and a line break is part of
// the string; the only special characters are the quotes, and PowerShell counts the typographic
// single quotes (U+2018, U+2019, U+201A, U+201B) as quotes too. Each one is written twice, which
// the language reads as that character once.

const SINGLE_QUOTES = /['\u2018\u2019\u201a\u201b]/g;

export function powershellString(value: string): string {
  return `'${value.replace(SINGLE_QUOTES, (quote) => quote + quote)}'`;
}

/** `$env:NAME = '…'`; the name is ours, never the user's, and must be a plain identifier. */
export function powershellEnvAssignment(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`${JSON.stringify(name)} is not an environment variable name`);
  return `$env:${name} = ${powershellString(value)}`;
}
