// Field validators shared by the spec and profile schemas. Each error says what is expected
// and how to fix it, because the user reads it next to their YAML line.

import { z } from "zod";
import { formatIpAddress, parseIpAddress, specialKind, type SpecialAddress } from "./ip-address.js";

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

/** What each kind of address may not be, and why (in words the user reads next to the line). */
const UNUSABLE: Record<"any" | "member" | "gateway", Partial<Record<SpecialAddress, string>>> = {
  any: {
    unspecified: "the unspecified address (any address), not one a machine has",
    multicast: "a multicast address, not one a machine has",
    broadcast: "the broadcast address, not one a machine has",
    "ipv4-mapped": "an IPv4 address in IPv6 dress",
  },
  member: {
    loopback: "a loopback address: the other members cannot reach it",
    "link-local": "a link-local address, which works only with a zone id (%eth0), and a peer URL cannot carry one",
  },
  gateway: { loopback: "a loopback address: no packet leaves the host through it" },
};

const WHAT_TO_WRITE: Record<"any" | "member" | "gateway", string> = {
  any: "write the address of a machine on the network, such as 192.168.2.1",
  member: "write the address the other members reach this host at, such as 192.168.2.51",
  gateway: "write the router's address on the host's subnet, such as 192.168.2.1",
};

/**
 * An IP address, read into bytes and written back in its canonical spelling (fd00:0:0::1 → fd00::1),
 * so certificates, URLs and comparisons all see one form. Each kind refuses the addresses it cannot use.
 */
function ipAddressFor(kind: "any" | "member" | "gateway") {
  return z.string().transform((text, ctx) => {
    const address = parseIpAddress(text);
    const special = address && specialKind(address);
    const why = special && (UNUSABLE[kind][special] ?? UNUSABLE.any[special]);
    if (address && !why) return formatIpAddress(address);
    const zone = /%.*$/.exec(text)?.[0];
    const message = zone
      ? `${quoted(text)} has a zone id (${zone}), which a peer URL or a network config cannot carry: write the address without it, preferably a global or unique-local (fd00::/8) one`
      : address && special === "ipv4-mapped"
        ? `${quoted(text)} is ${why}: write it as IPv4, ${Array.from(address.bytes.subarray(12)).join(".")}`
        : why
          ? `${quoted(text)} is ${why}: ${WHAT_TO_WRITE[kind]}`
          : `${quoted(text)} is not an IP address: write an IPv4 or IPv6 address such as 192.168.2.51`;
    ctx.addIssue({ code: "custom", message, input: text });
    return z.NEVER;
  });
}

/** Any address a host can be given (a DNS server: even a local resolver on 127.0.0.53). */
export const ipAddress = ipAddressFor("any");
/** A member's own address: it goes into peer URLs and certificates, so the other members must reach it. */
export const memberAddress = ipAddressFor("member");
/** A router on the host's link (IPv6 routers are usually link-local, fe80::1: allowed here). */
export const gatewayAddress = ipAddressFor("gateway");

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
  const bytes = Number(match[1]) * (SIZE_UNITS[match[2] ?? ""] ?? 1);
  // Beyond 2^53 a number loses digits and YAML writers switch to exponent form (1.07e+23), which etcd cannot read.
  if (!Number.isSafeInteger(bytes)) {
    ctx.addIssue({ code: "custom", message: `${quoted(value)} is far too large: etcd's suggested maximum is 8GiB` });
    return z.NEVER;
  }
  return bytes;
});

/** A Go duration as etcd's periodic compaction takes it ("1h", "30m", "1h30m"), or a revision count. */
export const retention = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((value) => String(value))
  .refine((value) => /^(\d+h)?(\d+m)?(\d+s)?$/.test(value) && value !== "" , {
    error: (issue) => `${quoted(issue.input)} is not a retention: write a duration like 1h or 30m (periodic) or a revision count like 1000 (revision)`,
  });

/** etcd runs as the unprivileged etcd user, which cannot bind a port below 1024. */
export const port = z
  .number()
  .int()
  .min(1024, { error: (issue) => `port ${String(issue.input)} is below 1024, which only root may bind, and etcd runs as the etcd user: use 2379/2380 or another port from 1024 to 65535` })
  .max(65535, { error: (issue) => `port ${String(issue.input)} does not exist: use a port from 1024 to 65535` });
