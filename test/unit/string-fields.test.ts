// Each string field is validated for what it is: what is refused, with the field, file:line and
// what to write; and the edge cases real values hit (byte-counted SSIDs, raw keys, label forms).
// The escaping modules: what each format gets for awkward but legal values.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatDiagnostic } from "../../src/spec/diagnostics.js";
import { assembleSpec } from "../../src/spec/load-spec.js";
import { loadProfiles } from "../../src/spec/profiles.js";
import { shellQuote } from "../../src/escape/shell.js";
import { derivedPsk, wpaPsk, wpaSsid } from "../../src/escape/wpa-supplicant.js";
import { ifupdownWord } from "../../src/escape/ifupdown.js";
import { systemdValue } from "../../src/escape/systemd.js";
import { commentLine } from "../../src/escape/token.js";

const profiles = await loadProfiles();

/** One Pi and one VM, with a field's text put in verbatim (YAML flow syntax). */
function specWith(fields: { pi?: string; vm?: string; top?: string }): string {
  return [
    "apiVersion: etcdboot/v1alpha1",
    "cluster: {name: lab}",
    fields.top ?? "",
    "hosts:",
    `  - {name: pi-1, address: 10.0.0.1, target: alpine-rpi, arch: arm64, ${fields.pi?.includes("storage:") ? "" : "storage: {device: LABEL=etcd-data}, "}${fields.pi ?? ""}}`,
    `  - {name: vm-1, address: 10.0.0.2${fields.vm ? `, ${fields.vm}` : ""}}`,
    "  - {name: vm-2, address: 10.0.0.3}",
    "",
  ].join("\n");
}

function problems(text: string): string[] {
  const result = assembleSpec("cluster.yaml", text, profiles);
  if (result.ok) return [];
  return result.diagnostics.filter((d) => d.severity === "error").map((d) => formatDiagnostic(result.source, d).split("\n")[0] ?? "");
}

const refused: { name: string; fields: Parameters<typeof specWith>[0]; at: RegExp; says: RegExp }[] = [
  { name: "an interface with a line and a command after it", fields: { pi: 'network: {prefix: 24, interface: "eth0\\nup id"}' }, at: /^cluster\.yaml:5:\d+: error: hosts\[0\]\.network\.interface: /, says: /not an interface name: write the name `ip link` shows/ },
  { name: "an interface longer than the kernel's 15 bytes", fields: { vm: "network: {prefix: 24, interface: enp0s31f6abcdefgh}" }, at: /hosts\[1\]\.network\.interface/, says: /1-15 letters/ },
  { name: "an interface pattern", fields: { vm: 'network: {prefix: 24, interface: "en*"}' }, at: /hosts\[1\]\.network\.interface/, says: /no pattern/ },
  { name: "an NTP server with a chrony directive after it", fields: { top: 'alpine: {ntpServers: ["pool.ntp.org\\ncmdallow all"]}' }, at: /^cluster\.yaml:3:\d+: error: alpine\.ntpServers\[0\]: /, says: /not an NTP server: write a host name such as pool\.ntp\.org or an IP address/ },
  { name: "an NTP server with an option", fields: { top: 'alpine: {ntpServers: ["pool.ntp.org iburst"]}' }, at: /alpine\.ntpServers\[0\]/, says: /not an NTP server/ },
  { name: "a country that is two characters but no country", fields: { pi: 'wifi: {ssid: lab, psk: "a long passphrase", country: "X\\n"}' }, at: /hosts\[0\]\.wifi\.country/, says: /not an ISO 3166-1 country code: write two upper-case letters/ },
  { name: "a lower-case country", fields: { pi: 'wifi: {ssid: lab, psk: "a long passphrase", country: cn}' }, at: /hosts\[0\]\.wifi\.country/, says: /ISO 3166-1/ },
  { name: "the UK's common but unassigned code", fields: { top: "tls: {subject: {C: UK}}" }, at: /tls\.subject\.C/, says: /GB for the United Kingdom/ },
  { name: "an SSID of 33 bytes in 11 characters", fields: { pi: `wifi: {ssid: "${"日".repeat(11)}", psk: "a long passphrase"}` }, at: /hosts\[0\]\.wifi\.ssid/, says: /1-32 bytes/ },
  { name: "a passphrase with a line break", fields: { pi: 'wifi: {ssid: lab, psk: "a long\\npassphrase"}' }, at: /hosts\[0\]\.wifi\.psk/, says: /8-63 printable ASCII/ },
  { name: "a passphrase with an accented letter", fields: { pi: 'wifi: {ssid: lab, psk: "mot de passe très long"}' }, at: /hosts\[0\]\.wifi\.psk/, says: /8-63 printable ASCII/ },
  { name: "a passphrase of 7 characters", fields: { pi: "wifi: {ssid: lab, psk: 1234567}" }, at: /hosts\[0\]\.wifi\.psk/, says: /expected string|8-63/ },
  { name: "a device with an fstab field after it", fields: { pi: 'storage: {device: "LABEL=data /etc"}' }, at: /hosts\[0\]\.storage\.device/, says: /not a device: write LABEL=etcd-data/ },
  { name: "an ext4 label of 17 characters", fields: { pi: "storage: {device: LABEL=abcdefghijklmnopq}" }, at: /hosts\[0\]\.storage\.device/, says: /at most 16/ },
  { name: "a UUID that is not one", fields: { pi: "storage: {device: UUID=1234}" }, at: /hosts\[0\]\.storage\.device/, says: /UUID=<the filesystem's UUID from blkid>/ },
  { name: "a /dev path climbing out of /dev", fields: { pi: "storage: {device: /dev/../etc/shadow}" }, at: /hosts\[0\]\.storage\.device/, says: /a \/dev path such as \/dev\/sda1/ },
  { name: "a mirror with credentials", fields: { top: "alpine: {mirror: https://user:secret@mirror.example/alpine}" }, at: /alpine\.mirror/, says: /holds credentials \(user:password@\), which would be copied into every host's files/ },
  { name: "a mirror given as file://", fields: { top: "alpine: {mirror: file:///srv/alpine}" }, at: /alpine\.mirror/, says: /the scheme must be http:\/\/ or https:\/\// },
  { name: "a download URL with braces (curl would fetch two URLs)", fields: { top: "etcd: {downloadUrl: 'https://mirror.example/{a,b}'}" }, at: /etcd\.downloadUrl/, says: /may hold only letters, digits/ },
  { name: "a download URL with a shell substitution", fields: { top: "etcd: {downloadUrl: 'https://mirror.example/$(id)'}" }, at: /etcd\.downloadUrl/, says: /may hold only/ },
  { name: "a download URL with a query", fields: { top: "etcd: {downloadUrl: 'https://mirror.example/etcd?token=1'}" }, at: /etcd\.downloadUrl/, says: /query or fragment/ },
  { name: "a download URL with credentials", fields: { top: "etcd: {downloadUrl: 'https://u:p@mirror.example/etcd'}" }, at: /etcd\.downloadUrl/, says: /holds credentials/ },
  { name: "a file:// release source for hosts that download at boot", fields: { top: "etcd: {downloadUrl: 'file:///srv/etcd'}" }, at: /etcd\.downloadUrl/, says: /debian-12 hosts download etcd at first boot and cannot reach a folder on this machine \(a path or file:\/\/ URL\)/ },
  { name: "a certificate organisation with a control character", fields: { top: 'tls: {subject: {O: "Example\\u001b[31m"}}' }, at: /tls\.subject\.O/, says: /no control character/ },
  { name: "an ssh key followed by a second line", fields: { top: 'ssh: {authorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 me@laptop\\nssh-rsa AAAAB3Nza evil"]}' }, at: /ssh\.authorizedKeys\[0\]/, says: /one line of ~\/\.ssh\/id_ed25519\.pub/ },
  { name: "an ssh key with a carriage return in its comment", fields: { top: 'ssh: {authorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 me\\r@laptop"]}' }, at: /ssh\.authorizedKeys\[0\]/, says: /without line breaks or control characters/ },
  { name: "a cluster token with a space", fields: { top: "cluster: {name: lab, token: 'a b'}" }, at: /cluster\.token/, says: /not a cluster token: write 1-128 letters/ },
];

describe("string fields refused", () => {
  for (const c of refused) {
    test(c.name, () => {
      const text = specWith(c.fields).replace("cluster: {name: lab}\n", c.fields.top?.startsWith("cluster:") ? "" : "cluster: {name: lab}\n");
      const found = problems(text);
      const match = found.find((p) => c.at.test(p));
      assert.ok(match, `no problem at ${c.at} in:\n${found.join("\n")}`);
      assert.match(match, /^cluster\.yaml:\d+:\d+: error: /);
      assert.match(match, c.says);
    });
  }
});

describe("string fields accepted", () => {
  const accepted: { name: string; fields: Parameters<typeof specWith>[0] }[] = [
    { name: "a VLAN interface and an NTP server by IPv6 address", fields: { vm: "network: {prefix: 24, interface: eth0.100}", top: 'alpine: {ntpServers: ["2001:db8::123", time.example.org]}' } },
    { name: "an SSID of 32 bytes in UTF-8, with a space and quotes", fields: { pi: `wifi: {ssid: "café \\"${"x".repeat(24)}", psk: "a long passphrase", country: DE}` } },
    { name: "a raw 64-hex-digit key", fields: { pi: `wifi: {ssid: lab, psk: "${"0123456789abcdef".repeat(4)}"}` } },
    { name: "every device form", fields: { pi: "storage: {device: /dev/disk/by-path/pci-0000:00:1f.2-ata-1}" } },
    { name: "a filesystem UUID (vfat form)", fields: { pi: "storage: {device: UUID=ABCD-1234}" } },
    { name: "a subject with quotes and non-ASCII", fields: { top: `tls: {subject: {C: CN, O: "Zhōngguó 'Lab' \\"Ops\\" $(x)", ST: 北京}}` } },
  ];
  for (const c of accepted)
    test(c.name, () => {
      assert.deepEqual(problems(specWith(c.fields)), []);
    });
});

describe("escaping", () => {
  test("shell: one word whatever the value holds; NUL is refused", () => {
    assert.equal(shellQuote("it's $(id) `id` {a,b}"), `'it'\\''s $(id) \`id\` {a,b}'`);
    assert.throws(() => shellQuote("a\0b"), /NUL/);
  });

  test("wpa_supplicant: printable SSIDs quoted, any other as hex; a passphrase it cannot quote becomes the key it derives", () => {
    assert.equal(wpaSsid("lab net"), '"lab net"');
    assert.equal(wpaSsid('say "hi"'), Buffer.from('say "hi"').toString("hex"));
    assert.equal(wpaSsid("café"), "636166c3a9");
    assert.equal(wpaPsk("a # passphrase", "lab"), '"a # passphrase"');
    assert.equal(wpaPsk("password", "IEEE"), '"password"');
    assert.equal(
      wpaPsk("F42C6FC52DF0EBEF9EBB4B90B38A5F902E83FE1B135A70E23AED762E9710A12E", "IEEE"),
      "f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e",
    );
  });

  test("the derived key is the one wpa_supplicant computes (IEEE 802.11i-2004 H.4 test vectors)", () => {
    assert.equal(derivedPsk("password", "IEEE"), "f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e");
    assert.equal(derivedPsk("ThisIsAPassword", "ThisIsASSID"), "0dc0d6eb90555ed6419756b9a15ec3e3209b63df707dd508d14581f8982721af");
    assert.equal(wpaPsk('pass"word', "IEEE"), derivedPsk('pass"word', "IEEE"));
  });

  test("formats without quoting refuse what would split a token, as a bug (the validators come first)", () => {
    assert.equal(ifupdownWord("eth0.100"), "eth0.100");
    assert.throws(() => ifupdownWord("eth0\nup id"), /ifupdown: .* cannot be written as one token/);
    assert.throws(() => commentLine("a\nb"), /comment/);
    assert.equal(systemdValue("100% etcd"), "100%% etcd");
    assert.throws(() => systemdValue("a\\"), /backslash/);
  });
});
