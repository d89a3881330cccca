// Backups, without a cluster: the spec's backup fields are validated for what they are (a
// hostile or malformed value is an error at its line, never a unit file or script), every
// schedule the spec accepts is one systemd accepts, the generated units pass systemd-analyze
// verify, the scripts parse, unit values are escaped, and a snapshot's appended hash is checked.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { SnapshotHasher, checkSnapshotFile } from "../../src/backup/snapshot-hash.js";
import { planRestore } from "../../src/backup/restore-plan.js";
import { SNAPSHOT_SCRIPT, SNAPSHOT_SERVICE, SNAPSHOT_TIMER } from "../../src/backup/scheduled-snapshot.js";
import { systemdValue } from "../../src/escape/systemd.js";
import { planCluster } from "../../src/plan/plan-host.js";
import { formatDiagnostic } from "../../src/spec/diagnostics.js";
import { assembleSpec } from "../../src/spec/load-spec.js";
import { loadProfiles } from "../../src/spec/profiles.js";
import type { Spec } from "../../src/spec/types.js";
import { runCommand } from "../harness/exec.js";
import { hostPath, hostRootArgv } from "../harness/host-root.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { runCli, tempDir } from "../support.js";

const profiles = await loadProfiles();
const HEADER = "apiVersion: etcdboot/v1alpha1\ncluster: {name: lab}\n";
const VMS = "hosts:\n  - {name: etcd-1, address: 10.0.0.1}\n  - {name: etcd-2, address: 10.0.0.2}\n  - {name: etcd-3, address: 10.0.0.3}\n";
const WITH_PI = `${VMS}  - {name: pi-1, address: 10.0.0.4, target: alpine-rpi, arch: arm64, storage: {device: LABEL=etcd-data}}\n`;

function specOf(text: string): Spec {
  const result = assembleSpec("cluster.yaml", text, profiles);
  assert.ok(result.ok, result.ok ? "" : result.diagnostics.map((d) => formatDiagnostic(result.source, d)).join("\n"));
  return result.spec;
}

function problems(text: string): string[] {
  const result = assembleSpec("cluster.yaml", text, profiles);
  assert.equal(result.ok, false, `should be rejected:\n${text}`);
  return result.ok ? [] : result.diagnostics.map((d) => formatDiagnostic(result.source, d));
}

const STAND_IN_PKI = (spec: Spec) => ({
  caCertPem: "<CA>\n",
  hosts: new Map(spec.hosts.map((h) => [h.name, { certPem: "<cert>\n", keyPem: "<key>\n" }])),
  clients: new Map(),
  revocationList: { der: Buffer.from("<CRL>"), pem: "<CRL>\n" },
});

describe("backup spec fields", () => {
  test("absent: no backup; given empty: daily, keep 7, /var/backups/etcd", () => {
    assert.equal(specOf(`${HEADER}${VMS}`).backup, undefined);
    assert.deepEqual(specOf(`${HEADER}backup: {}\n${VMS}`).backup, { schedule: "daily", keep: 7, dir: "/var/backups/etcd" });
  });

  const hostileDirs = ["var/backups", "/var/backups/../../etc", "/var/./backups", "/var/backups/", "/", "/var/back ups", "/var/$(reboot)", "/var/`id`", "/var/b'q", '/var/b"q', "/var/a;b", "/var/a\\nb", "/var/%n", "~/backups", ""];
  for (const dir of hostileDirs)
    test(`backup.dir ${JSON.stringify(dir)} is refused at its line`, () => {
      const found = problems(`${HEADER}backup: {dir: ${JSON.stringify(dir)}}\n${VMS}`);
      assert.equal(found.length, 1, found.join("\n"));
      assert.match(found[0] ?? "", /^cluster\.yaml:3:\d+: error: backup\.dir: .* is not an absolute folder of safe characters: write a path such as \/var\/backups\/etcd/);
    });

  test("backup.dir inside etcd's data dir is refused", () => {
    const found = problems(`${HEADER}backup: {dir: /var/lib/etcd/snapshots}\n${VMS}`);
    assert.match(found.join("\n"), /backup\.dir: \/var\/lib\/etcd\/snapshots is inside etcd's data dir \/var\/lib\/etcd/);
  });

  const hostileSchedules = ["daily; reboot", "daily\nExecStart=/bin/sh", "%n", "daily'", '*-*-* 02:00"', "$(reboot)", "a b c d e", "x".repeat(65), "", "daily\\"];
  for (const schedule of hostileSchedules)
    test(`backup.schedule ${JSON.stringify(schedule)} is refused at its line`, () => {
      const found = problems(`${HEADER}backup: {schedule: ${JSON.stringify(schedule)}}\n${VMS}`);
      assert.equal(found.length, 1, found.join("\n"));
      assert.match(found[0] ?? "", /^cluster\.yaml:3:\d+: error: backup\.schedule: .* is not a schedule: write daily, hourly, or a systemd OnCalendar expression/);
    });

  test("keep is a whole number from 1", () => {
    assert.match(problems(`${HEADER}backup: {keep: 0}\n${VMS}`).join("\n"), /backup\.keep/);
    assert.match(problems(`${HEADER}backup: {keep: "7; reboot"}\n${VMS}`).join("\n"), /backup\.keep/);
  });

  test("Alpine hosts take daily or hourly only", () => {
    assert.match(problems(`${HEADER}backup: {schedule: "*-*-* 02:00:00"}\n${WITH_PI}`).join("\n"), /backup\.schedule: alpine-rpi hosts take snapshots through Alpine's periodic: write daily or hourly/);
    assert.equal(specOf(`${HEADER}backup: {schedule: hourly}\n${WITH_PI}`).backup?.schedule, "hourly");
  });

  const schedules = ["daily", "hourly", "weekly", "*-*-* 02:30:00", "Mon..Fri 03:00", "*:0/15", "Sat *-*-1..7 04:00", "2026-12-24 12:00 UTC"];
  test("every schedule the spec accepts is one systemd-analyze calendar accepts", async (t) => {
    if (!requirePrerequisites(t, { commands: ["systemd-analyze"] })) return;
    for (const schedule of schedules) {
      assert.equal(specOf(`${HEADER}backup: {schedule: "${schedule}"}\n${VMS}`).backup?.schedule, schedule);
      const checked = await runCommand(["systemd-analyze", "calendar", schedule]);
      assert.equal(checked.code, 0, `${schedule}: ${checked.stderr}`);
    }
  });
});

describe("backup renderers", () => {
  test("unit values keep % literal and cannot break or continue a line", () => {
    assert.equal(systemdValue("50% of C:\\x"), "50%% of C:\\x");
    assert.throws(() => systemdValue("daily\nExecStart=/bin/sh"), /systemd/);
    assert.throws(() => systemdValue("daily\\"), /backslash/);
  });

  test("the cloud-init host's timer and service pass systemd-analyze verify; the scripts parse", async (t) => {
    if (!requirePrerequisites(t, { root: true, commands: ["systemd-analyze", "unshare", "sh"] })) return;
    const spec = specOf(`${HEADER}backup: {schedule: "Mon..Fri 03:00", keep: 3}\n${VMS}`);
    const vm = planCluster(spec, { pki: STAND_IN_PKI(spec) })[0];
    assert.ok(vm);
    const root = await tempDir("units");
    for (const file of vm.files.filter((f) => [SNAPSHOT_SCRIPT, SNAPSHOT_SERVICE, SNAPSHOT_TIMER].includes(f.path))) {
      await mkdir(dirname(hostPath(root, file.path)), { recursive: true });
      await writeFile(hostPath(root, file.path), file.content);
      await chmod(hostPath(root, file.path), file.mode);
    }
    const timer = vm.files.find((f) => f.path === SNAPSHOT_TIMER)?.content as string;
    assert.match(timer, /^OnCalendar=Mon\.\.Fri 03:00$/m);
    assert.match(timer, /^Persistent=true$/m);
    assert.match(timer, /^RandomizedDelaySec=/m);
    assert.equal(vm.files.find((f) => f.path === SNAPSHOT_SCRIPT)?.mode, 0o700);
    assert.match(vm.firstBoot, /&& systemctl enable --now etcd-snapshot\.timer$/);
    const verified = await runCommand(hostRootArgv(root, ["systemd-analyze", "verify", SNAPSHOT_SERVICE, SNAPSHOT_TIMER]));
    assert.equal(verified.code, 0, verified.stderr + verified.stdout);
    assert.equal(verified.stderr.trim(), "", "no warnings");

    const mixed = specOf(`${HEADER}backup: {schedule: daily, keep: 3}\n${WITH_PI}`);
    const pi = planCluster(mixed, { pki: STAND_IN_PKI(mixed), releases: new Map([["arm64", new Map([["etcd", Buffer.from("x")]])]]) })[3];
    const periodic = pi?.files.find((f) => f.path === "/etc/periodic/daily/etcdboot-snapshot");
    assert.ok(periodic, "the Pi snapshots through periodic");
    assert.match(periodic.content as string, /^DIR='\/var\/lib\/etcd\/snapshots'$/m);
    assert.match(periodic.content as string, /^REQUIRED_MOUNT='\/var\/lib\/etcd'$/m);
    assert.ok(pi?.links.some((l) => l.path === "/etc/runlevels/default/crond"), "crond runs at boot");
    const restore = planRestore(mixed, "lab-restore-x", { file: "s.db", sha256: "0".repeat(64), skipHashCheck: false }, "/out/lab", "cluster.yaml");
    for (const script of [vm.files.find((f) => f.path === SNAPSHOT_SCRIPT)?.content as string, periodic.content as string, ...restore.bundles.map((b) => b.script)]) {
      const file = join(root, "script.sh");
      await writeFile(file, script);
      for (const shell of ["sh", "bash"]) {
        const parsed = await runCommand([shell, "-n", file]);
        assert.equal(parsed.code, 0, parsed.stderr);
      }
    }
  });

  test("restore scripts: etcdctl for 3.4, etcdutl from 3.5; the Pi's checks its data partition", () => {
    for (const [version, tool] of [["3.4.23", /ETCDCTL_API=3 "\$BIN_DIR\/etcdctl" snapshot restore/], ["3.5.21", /"\$BIN_DIR\/etcdutl" snapshot restore/], ["3.6.14", /"\$BIN_DIR\/etcdutl" snapshot restore/]] as const) {
      const spec = specOf(`${HEADER}etcd: {version: "${version}"}\n${WITH_PI}`);
      const plan = planRestore(spec, "lab-restore-1", { file: "s.db", sha256: "a".repeat(64), skipHashCheck: true }, "/out/lab", "cluster.yaml");
      const [vm, , , pi] = plan.bundles;
      assert.match(vm?.script ?? "", tool);
      assert.match(vm?.script ?? "", /--skip-hash-check/);
      assert.match(vm?.script ?? "", /^INITIAL_CLUSTER='etcd-1=https:\/\/10\.0\.0\.1:2380,etcd-2=https:\/\/10\.0\.0\.2:2380,etcd-3=https:\/\/10\.0\.0\.3:2380,pi-1=https:\/\/10\.0\.0\.4:2380'$/m);
      assert.match(vm?.script ?? "", /^TOKEN='lab-restore-1'$/m);
      assert.match(vm?.script ?? "", /^systemctl stop etcd\.service/m);
      assert.match(pi?.script ?? "", /^rc-service etcd stop/m);
      assert.match(pi?.script ?? "", /^DATA_DIR='\/var\/lib\/etcd\/data'$/m);
      assert.match(pi?.script ?? "", /^REQUIRED_MOUNT='\/var\/lib\/etcd'$/m);
      assert.doesNotMatch(vm?.script ?? "", /rm -rf/, "the old data is never deleted");
    }
  });
});

describe("snapshot hash", () => {
  function snapshotBytes(content: Buffer): Buffer {
    return Buffer.concat([content, createHash("sha256").update(content).digest()]);
  }

  test("whole snapshots check whatever the chunking; cut or flipped ones do not", async () => {
    const whole = snapshotBytes(randomBytes(100_000));
    for (const size of [1, 7, 31, 32, 33, 4096, whole.length]) {
      const hasher = new SnapshotHasher();
      for (let i = 0; i < whole.length; i += size) hasher.update(whole.subarray(i, i + size));
      assert.equal(hasher.result().intact, true, `chunks of ${size}`);
    }
    const cut = new SnapshotHasher();
    cut.update(whole.subarray(0, whole.length - 1000));
    assert.equal(cut.result().intact, false);
    const dir = await tempDir("hash");
    const flipped = Buffer.from(whole);
    flipped[500] = (flipped[500] ?? 0) ^ 1;
    await writeFile(join(dir, "flipped.db"), flipped);
    await writeFile(join(dir, "whole.db"), whole);
    assert.equal((await checkSnapshotFile(join(dir, "flipped.db"))).intact, false);
    const check = await checkSnapshotFile(join(dir, "whole.db"));
    assert.equal(check.intact, true);
    assert.equal(check.sha256, createHash("sha256").update(whole).digest("hex"));
    await writeFile(join(dir, "empty.db"), "");
    assert.equal((await checkSnapshotFile(join(dir, "empty.db"))).intact, false, "an empty file is no snapshot");
  });
});

describe("snapshot and restore commands: bad input is a clear error, never an internal one", () => {
  test("usage, missing and damaged files, no PKI, hostile backup fields", async () => {
    const dir = await tempDir("backup-cli");
    const spec = join(dir, "cluster.yaml");
    await writeFile(spec, `${HEADER}${VMS}`);
    const content = randomBytes(5000);
    const good = join(dir, "good.db");
    await writeFile(good, Buffer.concat([content, createHash("sha256").update(content).digest()]));
    const bad = join(dir, "bad.db");
    await writeFile(bad, Buffer.concat([content, Buffer.alloc(32)]));
    const hostile = join(dir, "hostile.yaml");
    await writeFile(hostile, `${HEADER}backup: {dir: "/var/x\\nExecStart=/bin/sh", schedule: "daily; reboot"}\n${VMS}`);
    const cases: { argv: string[]; code: number; says: RegExp }[] = [
      { argv: ["snapshot"], code: 2, says: /Usage: etcdboot snapshot save/ },
      { argv: ["snapshot", "load", spec], code: 2, says: /etcdboot snapshot: unknown action "load": use save/ },
      { argv: ["snapshot", "save", spec, "--wait", "3"], code: 2, says: /etcdboot snapshot: unknown option --wait \(etcdboot snapshot --help\)/ },
      { argv: ["snapshot", "save", spec, "--pki", join(dir, "no-pki")], code: 1, says: /no PKI for cluster lab in .*no-pki\/: run etcdboot build first/ },
      { argv: ["restore"], code: 2, says: /Usage: etcdboot restore SNAPSHOT/ },
      { argv: ["restore", join(dir, "missing.db"), spec], code: 1, says: /missing\.db is not a snapshot file/ },
      { argv: ["restore", dir, spec], code: 1, says: /is not a snapshot file/ },
      { argv: ["restore", bad, spec], code: 1, says: /bad\.db: its SHA-256 does not check .*--skip-hash-check/ },
      { argv: ["restore", good, join(dir, "nope.yaml")], code: 2, says: /cannot read spec .*nope\.yaml/ },
      { argv: ["restore", good, spec, "--pki", join(dir, "no-pki")], code: 1, says: /no PKI for cluster lab/ },
      { argv: ["build", hostile, "--check"], code: 2, says: /backup\.schedule: "daily; reboot" is not a schedule[\s\S]*backup\.dir: .* is not an absolute folder/ },
    ];
    for (const { argv, code, says } of cases) {
      const result = await runCli(argv);
      const printed = `${result.out}\n${result.err}`;
      assert.equal(result.code, code, `${argv.join(" ")}: ${printed}`);
      assert.match(printed, says, argv.join(" "));
      assert.doesNotMatch(printed, /internal error|at .*\.js:\d+/, argv.join(" "));
    }
  });
});
