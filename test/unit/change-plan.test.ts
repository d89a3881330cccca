// plan's classification, on states as build records them: per planned file when both builds
// recorded them, and the cautious old answer (restart) when the last build's state predates that.

import assert from "node:assert/strict";
import { test } from "node:test";
import { assembleChangePlan, formatChangePlan } from "../../src/state/change-plan.js";
import type { BuildState, MemberState } from "../../src/state/types.js";

function member(files: Record<string, string> | undefined, artifacts: Record<string, string>): MemberState {
  return {
    name: "m",
    address: "10.0.0.1",
    dnsNames: [],
    peerUrl: "https://10.0.0.1:2380",
    clientUrl: "https://10.0.0.1:2379",
    bootstrap: { clusterState: "new", members: [{ name: "m", address: "10.0.0.1", dnsNames: [] }] },
    certificate: { serial: "01", notAfter: "2030-01-01T00:00:00.000Z" },
    artifacts,
    ...(files ? { files } : {}),
  };
}

const state = (m: MemberState): BuildState => ({ cluster: "c", members: [m], retired: [] });
const files = { "/etc/etcd/pki/ca.crt": "ca1", "/etc/etcd/pki/member.crt": "c1", "/etc/etcd/pki/member.key": "k1", "/etc/etcd/etcd.conf.yml": "e1", "/etc/hosts": "h1" };
const artifacts = { "hosts/m/user-data": "u1", "hosts/m/meta-data": "d1" };
const newArtifacts = { "hosts/m/user-data": "u2", "hosts/m/meta-data": "d2" };

test("a new CA: one step (install CA, certificate and key, restart), not a certificate copy as well", () => {
  const plan = assembleChangePlan(state(member(files, artifacts)), state(member({ ...files, "/etc/etcd/pki/ca.crt": "ca2", "/etc/etcd/pki/member.crt": "c2" }, newArtifacts)), undefined, "c.yaml");
  const line = plan.hosts[0];
  assert.deepEqual([line?.kinds, line?.restartEtcd], [["certificate", "ca"], true]);
  assert.equal(line?.clusterSteps.length, 1);
  assert.match(line?.clusterSteps[0] ?? "", /install the new ca\.crt, member\.crt and member\.key on m and restart etcd/);
});

test("a new key with the certificate: both are copied; a system file alone needs no restart", () => {
  const keyed = assembleChangePlan(state(member(files, artifacts)), state(member({ ...files, "/etc/etcd/pki/member.crt": "c2", "/etc/etcd/pki/member.key": "k2" }, newArtifacts)), undefined, "c.yaml").hosts[0];
  assert.match(keyed?.clusterSteps[0] ?? "", /copy m's new member\.crt and member\.key/);
  assert.equal(keyed?.restartEtcd, false);
  const system = assembleChangePlan(state(member(files, artifacts)), state(member({ ...files, "/etc/hosts": "h2", "/etc/added": "a" }, newArtifacts)), undefined, "c.yaml").hosts[0];
  assert.deepEqual(system?.files, [
    { path: "/etc/added", change: "added", kind: "system" },
    { path: "/etc/hosts", change: "changed", kind: "system" },
  ]);
  assert.deepEqual([system?.kinds, system?.restartEtcd, system?.reasons], [["system"], false, ["system files"]]);
});

test("a state from before per-file records: artifacts changed → the cautious answer, a restart", () => {
  const plan = assembleChangePlan(state(member(undefined, artifacts)), state(member(files, newArtifacts)), undefined, "c.yaml");
  const line = plan.hosts[0];
  assert.deepEqual([line?.change, line?.files, line?.kinds, line?.restartEtcd, line?.reasons], ["changed", null, [], true, ["configuration"]]);
  assert.match(line?.clusterSteps[0] ?? "", /restart etcd there \(the last build's state does not say which files inside them changed\)/);
  for (const text of formatChangePlan(plan).split("\n")) assert.ok(text.length <= 80, text);
});
