// systemd unit files: one "Key=value" per line; a trailing backslash continues the line and "%"
// starts a specifier (%n, %h...), so a value is kept on one line and its "%" doubled.

import { assertOneLine } from "./token.js";

export function systemdValue(value: string): string {
  if (value.endsWith("\\")) throw new Error(`systemd: ${JSON.stringify(value)} ends with a backslash, which would join the next line`);
  return assertOneLine("systemd", value).replaceAll("%", "%%");
}
