// Field validators shared by the spec and profile schemas. Each error says what is expected
// and how to fix it, because the user reads it next to their YAML line.

import { isIP } from "node:net";
import { z } from "zod";

const quoted = (input: unknown) => JSON.stringify(input);

/** A host name as it goes into certificates, /etc/hostname and etcd's member name. */
export const hostName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
    error: (issue) =>
      `${quoted(issue.input)} is not a valid host name: use lower-case letters, digits and "-" (at most 63, not starting or ending with "-"), e.g. etcd-1`,
  });

export const dnsName = z
  .string()
  .regex(/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, {
    error: (issue) => `${quoted(issue.input)} is not a DNS name: write something like etcd-1.example.internal`,
  });

export const ipAddress = z.string().refine((value) => isIP(value) !== 0, {
  error: (issue) => `${quoted(issue.input)} is not an IP address: write an IPv4 or IPv6 address such as 192.168.2.51`,
});

export const macAddress = z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i, {
  error: (issue) => `${quoted(issue.input)} is not a MAC address: write six hex pairs such as 52:54:00:12:34:56`,
});

export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, {
  error: (issue) =>
    `${quoted(issue.input)} is not a SHA-256 checksum: write the 64 lower-case hex digits from the release's SHA256SUMS`,
});

export const httpUrl = z.string().refine((value) => /^(https?|file):\/\/\S+$/.test(value), {
  error: (issue) => `${quoted(issue.input)} is not a URL: write an http(s):// URL such as https://dl-cdn.alpinelinux.org/alpine`,
});

/** Where etcd releases come from: a URL, or an absolute folder with the upstream layout. */
export const releaseSource = z.string().refine((value) => /^(https?|file):\/\/\S+$/.test(value) || /^\/\S*$/.test(value), {
  error: (issue) =>
    `${quoted(issue.input)} is not a release source: write an http(s):// base URL such as https://github.com/etcd-io/etcd/releases/download, a file:// URL or an absolute folder`,
});

const SIZE_UNITS: Record<string, number> = { "": 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30 };

/** Bytes as a whole number or with a binary unit ("2GiB", "512MiB"). */
export const byteSize = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === "number") return value;
  const match = /^(\d+)\s*(KiB|MiB|GiB)?$/.exec(value.trim());
  if (!match) {
    ctx.addIssue({
      code: "custom",
      message: `${quoted(value)} is not a size: write bytes or a number with KiB, MiB or GiB, e.g. 2GiB`,
    });
    return z.NEVER;
  }
  return Number(match[1]) * (SIZE_UNITS[match[2] ?? ""] ?? 1);
});

/** A Go duration as etcd's periodic compaction takes it ("1h", "30m", "1h30m"), or a revision count. */
export const retention = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((value) => String(value))
  .refine((value) => /^(\d+h)?(\d+m)?(\d+s)?$/.test(value) && value !== "" , {
    error: (issue) => `${quoted(issue.input)} is not a retention: write a duration like 1h or 30m (periodic) or a revision count like 1000 (revision)`,
  });

export const port = z.number().int().min(1).max(65535);

/**
 * An absolute folder on a host, written into unit files and root's shell scripts: letters,
 * digits and . _ - between slashes, no "." or ".." step, no trailing slash.
 */
export const hostFolder = z.string().refine((value) => /^(\/[A-Za-z0-9._-]+)+$/.test(value) && !value.split("/").some((step) => step === "." || step === ".."), {
  error: (issue) => `${quoted(issue.input)} is not an absolute folder of safe characters: write a path such as /var/backups/etcd (letters, digits, . _ - between slashes; no "..")`,
});

/**
 * When scheduled snapshots run: daily, hourly, or a systemd OnCalendar expression, limited to
 * the characters calendar expressions use (no %, quote, backslash or line break can reach a unit file).
 */
export const snapshotSchedule = z.string().refine((value) => value.length <= 64 && /^[A-Za-z0-9*,.:/~+-]+( [A-Za-z0-9*,.:/~+-]+){0,3}$/.test(value), {
  error: (issue) =>
    `${quoted(issue.input)} is not a schedule: write daily, hourly, or a systemd OnCalendar expression such as "*-*-* 02:30:00" or "Mon..Fri 03:00" (check it with systemd-analyze calendar)`,
});
