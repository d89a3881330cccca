// Shared by the escaping modules of formats that have no quoting at all (ifupdown, chrony, fstab,
// apk repositories, /etc/hosts, resolv.conf): there a value is safe only if it is one token of
// characters the format gives no meaning. The spec validators refuse anything else with file:line,
// so a value failing here is a bug, reported as one (a plain Error).

export function assertToken(format: string, value: string, allowed: RegExp): string {
  if (!allowed.test(value)) throw new Error(`${format}: ${JSON.stringify(value)} cannot be written as one token (a validator should have refused it)`);
  return value;
}

/**
 * Text that stays on one line and that every reader takes: no C0 or C1 control character (U+0085 is a
 * line break to YAML), no Unicode line separator, and none of the non-characters PyYAML refuses.
 */
export const ONE_LINE = /^[^\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]*$/u;

/** A "# ..." comment line (shell, YAML, chrony, fstab...): a line break would end it and start a directive. */
export function commentLine(text: string): string {
  return `# ${assertToken("comment", text, ONE_LINE)}`;
}

/** For formats that quote but cannot carry a line break or control character (systemd, authorized_keys). */
export function assertOneLine(format: string, value: string): string {
  return assertToken(format, value, ONE_LINE);
}
