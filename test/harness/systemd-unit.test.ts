import assert from "node:assert/strict";
import { test } from "node:test";
import { parseEnvironmentFile, parseUnit, serviceCommand, splitWords, unitValue, unitValues } from "./systemd-unit.js";

test("parseUnit: sections, comments, repeated keys, empty assignment resets", () => {
  const unit = parseUnit(
    [
      "# a comment",
      "; another comment",
      "[Unit]",
      "Description = etcd key-value store",
      "After=network-online.target",
      "After=time-sync.target",
      "",
      "[Service]",
      "Environment=A=1",
      "Environment=",
      "Environment=B=2",
    ].join("\n"),
  );
  assert.equal(unitValue(unit, "Unit", "Description"), "etcd key-value store");
  assert.deepEqual(unitValues(unit, "Unit", "After"), ["network-online.target", "time-sync.target"]);
  assert.deepEqual(unitValues(unit, "Service", "Environment"), ["B=2"]);
  assert.deepEqual(unitValues(unit, "Install", "WantedBy"), []);
});

test("parseUnit: a trailing backslash continues the line, comments inside are skipped", () => {
  const unit = parseUnit("[Service]\r\nExecStart=/usr/bin/etcd \\\n  # explained here\n  --name a \\\n  --data-dir /var/lib/etcd\n");
  assert.deepEqual(serviceCommand(unit).argv, ["/usr/bin/etcd", "--name", "a", "--data-dir", "/var/lib/etcd"]);
});

test("parseUnit rejects lines that are not assignments and assignments outside sections", () => {
  assert.throws(() => parseUnit("[Service]\nnonsense\n"), /line 2/);
  assert.throws(() => parseUnit("ExecStart=/bin/true\n"), /before any \[Section\]/);
});

test("splitWords: quotes group words, C escapes", () => {
  assert.deepEqual(splitWords(`/bin/echo "a b" 'c "d"' --x="y z" e\\sf "" \\x41`), ["/bin/echo", "a b", 'c "d"', "--x=y z", "e f", "", "A"]);
  assert.throws(() => splitWords(`"open`), /unterminated/);
});

test("serviceCommand: argv, identity, environment with quoted values and variable expansion", () => {
  const unit = parseUnit(
    [
      "[Service]",
      "Type=notify",
      "User=etcd",
      "Group=etcd",
      'Environment="GOMAXPROCS=2" ETCD_UNSUPPORTED_ARCH=arm64',
      "Environment='FLAGS=--a 1' DIR=/var/lib/etcd",
      "ExecStart=-/usr/bin/etcd --data-dir ${DIR}/data $FLAGS --pct 50%% --d $$HOME",
    ].join("\n"),
  );
  assert.deepEqual(serviceCommand(unit), {
    argv: ["/usr/bin/etcd", "--data-dir", "/var/lib/etcd/data", "--a", "1", "--pct", "50%", "--d", "$HOME"],
    environment: { GOMAXPROCS: "2", ETCD_UNSUPPORTED_ARCH: "arm64", FLAGS: "--a 1", DIR: "/var/lib/etcd" },
    user: "etcd",
    group: "etcd",
  });
});

test("serviceCommand: EnvironmentFile values override Environment, optional files may be missing", () => {
  const unit = parseUnit("[Service]\nEnvironment=A=1 B=1\nEnvironmentFile=/etc/etcd/env\nEnvironmentFile=-/etc/etcd/missing\nExecStart=/usr/bin/etcd\n");
  const files: Record<string, string> = { "/etc/etcd/env": "# comment\nB=\"two \\\"words\\\"\"\nC='x y'\n" };
  const command = serviceCommand(unit, { readEnvironmentFile: (path) => files[path] });
  assert.deepEqual(command.environment, { A: "1", B: 'two "words"', C: "x y" });
  assert.equal(command.user, undefined);
  assert.deepEqual(parseEnvironmentFile("X=1\n; c\n"), { X: "1" });
});

test("serviceCommand refuses what it cannot reproduce", () => {
  assert.throws(() => serviceCommand(parseUnit("[Service]\nType=forking\nExecStart=/bin/true\n")), /foreground/);
  assert.throws(() => serviceCommand(parseUnit("[Service]\nExecStart=/bin/a\nExecStart=/bin/b\n")), /exactly one/);
  assert.throws(() => serviceCommand(parseUnit("[Service]\nExecStart=/bin/echo %i\n")), /specifier/);
  assert.throws(() => serviceCommand(parseUnit("[Service]\nExecStart=+/bin/true\n")), /prefix/);
  assert.throws(() => serviceCommand(parseUnit("[Service]\nEnvironmentFile=/x\nExecStart=/bin/true\n")), /readEnvironmentFile/);
});
