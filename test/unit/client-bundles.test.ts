// Client bundles: which clients get one, what each holds (the key marked secret, nothing else),
// and snippets that their readers take back as exactly the cluster's endpoints and the copied
// files' paths — read with PyYAML (libyaml too) and sh, not with our own emitter.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { assembleClientBundles, CONSUMERS } from "../../src/clients/bundle.js";
import { etcdctlClient } from "../../src/clients/etcdctl-client.js";
import { assembleSpec } from "../../src/spec/load-spec.js";
import { loadProfiles } from "../../src/spec/profiles.js";
import type { Spec } from "../../src/spec/types.js";
import { requirePrerequisites, SYSTEM_PYTHON } from "../harness/prerequisites.js";
import { loadWithPyYaml } from "../harness/pyyaml.js";
import { readShellWords } from "../harness/shell-words.js";
import { standInPki } from "../support.js";

const profiles = await loadProfiles();

function specOf(clients: string, port = 2379): Spec {
  const text = [
    "apiVersion: etcdboot/v1alpha1",
    "cluster: {name: kube}",
    `etcd: {clientPort: ${port}, peerPort: 2380}`,
    "hosts:",
    "  - {name: etcd-1, address: 10.30.0.11}",
    '  - {name: etcd-2, address: "FD00:30:0::0012"}',
    "  - {name: etcd-3, address: 10.30.0.13}",
    `clients: ${clients}`,
    "",
  ].join("\n");
  const result = assembleSpec("cluster.yaml", text, profiles);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.diagnostics));
  return result.spec;
}

function bundlesOf(spec: Spec) {
  const pki = standInPki(spec.hosts.map((h) => h.name), spec.clients.map((c) => c.name));
  return { pki, files: assembleClientBundles(spec, pki.caCertPem, pki.clients) };
}

const ENDPOINTS = ["https://10.30.0.11:12379", "https://[fd00:30::12]:12379", "https://10.30.0.13:12379"];

describe("client bundles", () => {
  test("the spec reads plain names and {name, for} entries into one shape; etcdctl uses admin, else the first plain client", () => {
    const spec = specOf("[{name: k3s, for: k3s}, ops, {name: admin}, {name: api, for: kube-apiserver}]");
    assert.deepEqual(spec.clients, [{ name: "k3s", for: "k3s" }, { name: "ops" }, { name: "admin" }, { name: "api", for: "kube-apiserver" }]);
    assert.equal(etcdctlClient(spec.clients), "admin");
    assert.equal(etcdctlClient(specOf("[{name: k3s, for: k3s}, ops]").clients), "ops");
    assert.equal(etcdctlClient(specOf("[{name: k3s, for: k3s}]").clients), "k3s");
  });

  test("only clients with a purpose get a bundle: CA, certificate, key (the one secret file) and the snippet", () => {
    assert.deepEqual(bundlesOf(specOf("[admin, ops]")).files, [], "plain clients keep their keys in pki/");
    const { pki, files } = bundlesOf(specOf("[admin, {name: k3s, for: k3s}, {name: api, for: kube-apiserver}]"));
    assert.deepEqual(
      files.map((f) => [f.path, f.secret]),
      [
        ["clients/k3s/ca.crt", false],
        ["clients/k3s/client.crt", false],
        ["clients/k3s/client.key", true],
        ["clients/k3s/k3s-config.yaml", false],
        ["clients/api/ca.crt", false],
        ["clients/api/client.crt", false],
        ["clients/api/client.key", true],
        ["clients/api/kube-apiserver.flags", false],
      ],
    );
    const content = (path: string) => files.find((f) => f.path === path)?.content;
    assert.equal(content("clients/k3s/client.key"), pki.clients.get("k3s")?.keyPem);
    assert.equal(content("clients/api/client.crt"), pki.clients.get("api")?.certPem);
    assert.equal(content("clients/api/ca.crt"), pki.caCertPem);
    assert.ok(!files.some((f) => f.content.includes("private key of admin")), "the admin key stays in pki/");
  });

  test("the k3s fragment reads back (PyYAML, libyaml) as every member's URL, IPv6 in brackets, and the copied files' paths", (t) => {
    if (!requirePrerequisites(t, { commands: [SYSTEM_PYTHON], pythonModules: ["yaml"] })) return;
    const snippet = bundlesOf(specOf("[{name: k3s, for: k3s}]", 12379)).files.find((f) => f.path.endsWith("k3s-config.yaml"));
    assert.ok(snippet);
    const expected = {
      "datastore-endpoint": ENDPOINTS.join(","),
      "datastore-cafile": "/etc/rancher/k3s/etcd/ca.crt",
      "datastore-certfile": "/etc/rancher/k3s/etcd/client.crt",
      "datastore-keyfile": "/etc/rancher/k3s/etcd/client.key",
    };
    for (const [loader, [loaded]] of Object.entries(loadWithPyYaml([snippet.content]))) assert.deepEqual(loaded, { value: expected }, loader);
    for (const url of ENDPOINTS) assert.equal(new URL(url).port, "12379", url);
    assert.ok(expected["datastore-cafile"].startsWith(`${CONSUMERS.k3s.folder}/`));
  });

  test("the kube-apiserver flags are four sh words: every member's URL (IPv6 quoted against globbing) and the copied files' paths", (t) => {
    if (!requirePrerequisites(t, { commands: ["/bin/sh"] })) return;
    const snippet = bundlesOf(specOf("[{name: api, for: kube-apiserver}]", 12379)).files.find((f) => f.path.endsWith("kube-apiserver.flags"));
    assert.ok(snippet);
    assert.deepEqual(readShellWords(snippet.content), {
      words: [
        `--etcd-servers=${ENDPOINTS.join(",")}`,
        "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
        "--etcd-certfile=/etc/kubernetes/pki/etcd/client.crt",
        "--etcd-keyfile=/etc/kubernetes/pki/etcd/client.key",
      ],
      stderr: "0",
    });
    assert.match(snippet.content, /^--etcd-servers='https:\/\/10\.30\.0\.11:12379,https:\/\/\[fd00:30::12\]:12379,/m);
  });

  test("a client with a purpose but no certificate in the PKI is a bug, said as one", () => {
    const spec = specOf("[{name: k3s, for: k3s}]");
    assert.throws(() => assembleClientBundles(spec, "<CA>", new Map()), /client k3s is for k3s but the PKI holds no certificate for it/);
  });
});
