// Field validators shared by the spec and profile schemas. Each error says what is expected
// and how to fix it, because the user reads it next to their YAML line.

import { z } from "zod";
import { ONE_LINE } from "../escape/token.js";
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

// String fields that end up in generated files. Each is validated for what it is, so that the
// escaping modules (src/escape/) only ever see values their format can carry.

/** No lone UTF-16 surrogate: such a string has no UTF-8 spelling and would not reach a file as written. */
const wellFormed = (text: string) => !/\p{Cs}/u.test(text);

/** A DNS host name (no wildcard): letters, digits and "-" in dot-separated labels, at most 253 long. */
function isDnsHostName(text: string): boolean {
  return text.length <= 253 && /^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(text);
}

/**
 * A network interface as `ip link` names it. The kernel allows 1-15 bytes without "/", ":" or
 * whitespace; ifupdown and netplan get one word, so only the characters real names use.
 */
export const interfaceName = z.string().refine((text) => /^[A-Za-z0-9_.-]{1,15}$/.test(text) && text !== "." && text !== "..", {
  error: (issue) =>
    `${quoted(issue.input)} is not an interface name: write the name \`ip link\` shows, such as eth0, ens3 or wlan0 (1-15 letters, digits, ".", "-", "_"; no pattern — leave interface out to match the target's default)`,
});

/** An NTP server for chrony.conf: a DNS host name or an IP address. */
export const ntpServer = z.string().refine((text) => isDnsHostName(text) || (/^[0-9A-Fa-f.:]+$/.test(text) && ipAddress.safeParse(text).success), {
  error: (issue) => `${quoted(issue.input)} is not an NTP server: write a host name such as pool.ntp.org or an IP address such as 192.168.7.1`,
});

// ISO 3166-1 alpha-2, the officially assigned codes (wpa_supplicant's country= and a certificate's C).
const ISO_3166_ALPHA_2 = new Set(
  (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
    "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
    "KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
    "MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
    "UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
  ).split(" "),
);

export const countryCode = z.string().refine((text) => ISO_3166_ALPHA_2.has(text), {
  error: (issue) => `${quoted(issue.input)} is not an ISO 3166-1 country code: write two upper-case letters such as CN, DE or US (GB for the United Kingdom)`,
});

/** 1-32 bytes as the radio counts them (UTF-8); any byte is legal in an SSID, so no charset. */
export const wifiSsid = z.string().refine((text) => wellFormed(text) && Buffer.byteLength(text, "utf8") >= 1 && Buffer.byteLength(text, "utf8") <= 32, {
  error: (issue) => `${quoted(issue.input)} is not an SSID: a network name is 1-32 bytes (UTF-8: "é" counts 2, "日" 3)`,
});

/** WPA-PSK: a passphrase of 8-63 printable ASCII characters, or the raw key as 64 hex digits. */
export const wifiPsk = z.string().refine((text) => /^[\x20-\x7e]{8,63}$/.test(text) || /^[0-9A-Fa-f]{64}$/.test(text), {
  error: () => `is not a WPA passphrase: write 8-63 printable ASCII characters (letters, digits, spaces, punctuation; no line break or accented letter), or the 64 hex digits of the key`,
});

/** What etc/fstab mounts: by label, UUID, partition UUID or label, or a /dev path. */
const DEVICE_FORMS: RegExp[] = [
  // ext4 labels are at most 16 bytes; the charset keeps the name one fstab field.
  /^LABEL=[A-Za-z0-9_.-]{1,16}$/,
  // A filesystem UUID: RFC 4122 (ext4, xfs, btrfs), vfat's XXXX-XXXX or NTFS's 16 hex digits.
  /^UUID=([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}|[0-9A-Fa-f]{16})$/,
  // A partition UUID: GPT's RFC 4122 form or MBR's disk signature plus partition number.
  /^PARTUUID=([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{2})$/,
  // GPT partition names hold 36 UTF-16 units.
  /^PARTLABEL=[A-Za-z0-9_.-]{1,36}$/,
  // /dev/sda1, /dev/disk/by-path/pci-0000:00:1f.2-ata-1: no "." or ".." component.
  /^\/dev(\/(?!\.\.?(\/|$))[A-Za-z0-9_.:+-]+)+$/,
];

export const storageDevice = z.string().refine((text) => DEVICE_FORMS.some((form) => form.test(text)), {
  error: (issue) =>
    `${quoted(issue.input)} is not a device: write LABEL=etcd-data (ext4 label: at most 16 letters, digits, ".", "-", "_"), UUID=<the filesystem's UUID from blkid>, PARTUUID=..., PARTLABEL=... or a /dev path such as /dev/sda1`,
});

/** Characters a URL may hold as text (RFC 3986, without "'"): nothing a shell, YAML or a line format reads. */
const URL_TEXT = /^[A-Za-z0-9\-._~:/?#[\]@!&()*+,;=%]+$/;

/** Why a base URL cannot be used, or undefined. Paths are appended to it, so no query or fragment. */
function baseUrlProblem(text: string, schemes: readonly string[]): string | undefined {
  const hint = `write a base URL such as ${schemes.includes("file:") ? "https://github.com/etcd-io/etcd/releases/download" : "https://dl-cdn.alpinelinux.org/alpine"}`;
  if (!URL_TEXT.test(text) || /%(?![0-9A-Fa-f]{2})/.test(text))
    return `${quoted(text)} is not a URL: it may hold only letters, digits and - . _ ~ : / [ ] @ ! & ( ) * + , ; = (anything else percent-encoded as %XX): ${hint}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${quoted(text)} is not a URL: ${hint}`;
  }
  if (!schemes.includes(url.protocol)) return `${quoted(text)}: the scheme must be ${schemes.map((s) => `${s}//`).join(" or ")}: ${hint}`;
  if (url.username || url.password) {
    // Not echoed back: the message ends up in terminals and CI logs.
    url.username = "USER";
    if (url.password) url.password = "PASSWORD";
    return `${quoted(url.href)} holds credentials (user:password@), which would be copied into every host's files: use a mirror that needs none, or one reachable only from your network`;
  }
  if (url.search || url.hash || text.includes("?") || text.includes("#")) return `${quoted(text)} has a query or fragment (?, #), but file paths are appended to it: ${hint}`;
  if (url.protocol !== "file:" && !url.hostname) return `${quoted(text)} names no host: ${hint}`;
  return undefined;
}

function baseUrl(schemes: readonly string[]) {
  return z.string().superRefine((text, ctx) => {
    const problem = baseUrlProblem(text, schemes);
    if (problem) ctx.addIssue({ code: "custom", message: problem, input: text });
  });
}

/** A mirror hosts fetch from themselves (apk at boot): http(s) only. */
export const mirrorUrl = baseUrl(["http:", "https:"]);

/** Where etcd releases come from: an http(s) or file:// base URL, or an absolute folder on this machine. */
export const releaseSource = z.string().superRefine((text, ctx) => {
  if (text.startsWith("/")) {
    if (/^\/[^\x00-\x1f\x7f]*$/.test(text)) return;
    ctx.addIssue({ code: "custom", message: `${quoted(text)} is not a folder path: it holds a line break or control character`, input: text });
    return;
  }
  const problem = baseUrlProblem(text, ["http:", "https:", "file:"]);
  if (problem) ctx.addIssue({ code: "custom", message: `${problem} (or an absolute folder)`, input: text });
});

/** A certificate subject's text (ST, L, O, OU): X.509 allows 1-64 characters; no control character. */
export const subjectText = z.string().refine((text) => wellFormed(text) && ONE_LINE.test(text) && [...text].length >= 1 && [...text].length <= 64, {
  error: (issue) => `${quoted(issue.input)} is not a certificate subject field: write 1-64 characters on one line, with no control character`,
});

/** One line of ~/.ssh/id_*.pub: type, base64 key, optional comment; no line break or control character. */
export const sshPublicKey = z.string().refine((text) => ONE_LINE.test(text) && /^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)|sk-[A-Za-z0-9@.-]+) [A-Za-z0-9+/]+={0,3}( .*)?$/.test(text), {
  error: "is not an SSH public key: paste one line of ~/.ssh/id_ed25519.pub (type, key and an optional comment, without line breaks or control characters)",
});

/** etcd's initial-cluster-token. */
export const clusterToken = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, {
  error: (issue) => `${quoted(issue.input)} is not a cluster token: write 1-128 letters, digits, ".", "_" or "-", such as lab-etcd-1`,
});

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
