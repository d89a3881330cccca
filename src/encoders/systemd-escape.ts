// One escaping function for values in systemd unit files. systemd expands %-specifiers in most
// settings and treats a backslash before a line break as a continuation; a line break ends the
// setting. Values are validated before they get here; this keeps them literal regardless.

export function unitValue(value: string): string {
  if (/[\n\r\0]/.test(value)) throw new Error(`a unit file value cannot hold a line break: ${JSON.stringify(value)}`);
  return value.replaceAll("\\", "\\\\").replaceAll("%", "%%");
}
