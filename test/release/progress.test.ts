import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBytes } from "../../src/human-size.js";
import { progressReporter } from "../../src/release/progress.js";
import { recordingStream } from "./fixture.js";

const FILE = "etcd-v3.6.14-linux-amd64.tar.gz";
const MiB = 1024 * 1024;

test("not a terminal: one summary line per file when it is done", () => {
  const stream = recordingStream(false);
  const progress = progressReporter({ stream, quiet: false });
  const task = progress.start(FILE, 3 * MiB);
  task.advance(2 * MiB);
  task.advance(-2 * MiB); // the transfer started over
  task.advance(3 * MiB);
  assert.deepEqual(stream.writes, [], "nothing while it runs");
  task.done();
  progress.start("other.tar.gz", 1024).fail("HTTP 500");
  progress.start("cached.tar.gz", 22 * MiB).done("cached");
  const lines = stream.text().split("\n");
  assert.match(lines[0] ?? "", /^etcd-v3\.6\.14-linux-amd64\.tar\.gz 3\.0 MiB in \d+\.\d s \(\d+\.\d [KMGT]iB\/s\)$/);
  assert.deepEqual(lines.slice(1), ["other.tar.gz failed: HTTP 500", "cached.tar.gz 22.0 MiB (cached)", ""]);
});

test("quiet: nothing at all", () => {
  for (const isTTY of [true, false]) {
    const stream = recordingStream(isTTY);
    const task = progressReporter({ stream, quiet: true }).start(FILE, 10);
    task.advance(10);
    task.done();
    assert.deepEqual(stream.writes, []);
  }
  progressReporter({ stream: process.stderr, quiet: true }).start(FILE, 1).done(); // a real stream fits the type
});

test("terminal: lines redrawn in place at most ~10 times a second, with bar, rate and ETA", () => {
  const stream = recordingStream(true);
  const progress = progressReporter({ stream, quiet: false });
  const amd64 = progress.start(FILE, 10 * MiB);
  const arm64 = progress.start("etcd-v3.6.14-linux-arm64.tar.gz", undefined);
  for (let i = 0; i < 1000; i++) amd64.advance(5 * 1024);
  assert.ok(stream.writes.length <= 3, `throttled: ${stream.writes.length} writes for 1000 advances`);
  assert.match(stream.writes[1] ?? "", /^\x1b\[1A\r\x1b\[2K.*\n\r\x1b\[2Ketcd-v3\.6\.14-linux-arm64\.tar\.gz 0 B {2}0 B\/s\n$/, "the second file adds a line below the first");

  amd64.done();
  const afterFirst = stream.writes.at(-1) ?? "";
  assert.match(afterFirst, /^\x1b\[2A\r\x1b\[2Ketcd-v3\.6\.14-linux-amd64\.tar\.gz 4\.9 MiB in \d+\.\d s \(.*\/s\)\n\r\x1b\[2Ketcd-v3\.6\.14-linux-arm64/);
  arm64.advance(MiB);
  arm64.fail("stalled");
  assert.match(stream.writes.at(-1) ?? "", /\r\x1b\[2Ketcd-v3\.6\.14-linux-arm64\.tar\.gz failed: stalled\n$/);

  // All done: the next file starts on a fresh line instead of overwriting the finished ones.
  const next = progress.start("next.tar.gz", 4 * MiB);
  assert.equal(stream.writes.at(-1)?.startsWith("\r\x1b[2Knext.tar.gz [>                   ] 0 B / 4.0 MiB"), true, JSON.stringify(stream.writes.at(-1)));
  next.done();
});

test("formatBytes", () => {
  const cases: Array<[number, string]> = [[0, "0 B"], [1023, "1023 B"], [1024, "1.0 KiB"], [1536, "1.5 KiB"], [22.1 * MiB, "22.1 MiB"], [3 * 1024 * MiB, "3.0 GiB"]];
  for (const [bytes, text] of cases) assert.equal(formatBytes(bytes), text);
});

test("terminal of 80 columns (and narrower): the line fits, keeps speed and ETA, and shortens the file name", () => {
  const longName = "etcd-v3.6.14-linux-amd64-from-a-mirror-with-a-long-name.tar.gz";
  for (const columns of [80, 60, 45]) {
    const stream = { ...recordingStream(true), columns };
    const task = progressReporter({ stream, quiet: false }).start(longName, 22 * MiB);
    task.advance(12 * MiB);
    task.done();
    const live = (stream.writes[0] ?? "").replace(/^\r\x1b\[2K/, "").replace(/\n$/, "");
    assert.ok(live.length < columns, `${live.length} characters at ${columns} columns: ${live}`);
    assert.match(live, /…/, "the name is shortened");
    assert.match(live, /^etcd-v3/, "keeps the name's start");
    assert.match(live, /\.tar\.gz /, "and its end");
    assert.match(live, / 0 B \/ 22\.0 MiB {2}0 B\/s {2}ETA \?$/, "sizes, speed and ETA");
    assert.equal(/\[[ =>]+\]/.test(live), columns === 80, "the bar goes only when even a short name leaves no room for it");
  }
});
