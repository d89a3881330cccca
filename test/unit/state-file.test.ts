// state.json: each bootstrap written once however many members share it, and read back whole.

import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readState, statePath, writeState } from "../../src/state/state-file.js";
import type { Bootstrap, BuildState, MemberState } from "../../src/state/types.js";

const shared: Bootstrap = { clusterState: "new", members: [1, 2, 3].map((i) => ({ name: `m${i}`, address: `10.0.0.${i}`, dnsNames: [] })) };
const member = (i: number, bootstrap: Bootstrap): MemberState => ({
  name: `m${i}`,
  address: `10.0.0.${i}`,
  dnsNames: [],
  peerUrl: `https://10.0.0.${i}:2380`,
  clientUrl: `https://10.0.0.${i}:2379`,
  bootstrap,
  certificate: { serial: `0${i}`, notAfter: "2036-01-01T00:00:00.000Z" },
  artifacts: { [`hosts/m${i}/user-data`]: "ab".repeat(32) },
});

test("a shared bootstrap is stored once, and the state reads back equal", async () => {
  const joined: Bootstrap = { clusterState: "existing", members: [...shared.members, { name: "m4", address: "10.0.0.4", dnsNames: [] }] };
  const state: BuildState = { cluster: "c", members: [member(1, shared), member(2, shared), member(3, { ...shared }), member(4, joined)], retired: [] };
  const dir = await mkdtemp(join(tmpdir(), "etcdboot-state-"));
  assert.equal(await writeState(dir, state), true);
  assert.equal(await writeState(dir, state), false, "unchanged: not written again");
  const onDisk = JSON.parse(await readFile(statePath(dir), "utf8")) as { bootstraps: unknown[]; members: { bootstrap: number }[] };
  assert.equal(onDisk.bootstraps.length, 2);
  assert.deepEqual(onDisk.members.map((m) => m.bootstrap), [0, 0, 0, 1]);
  assert.deepEqual(await readState(dir), state);
});
