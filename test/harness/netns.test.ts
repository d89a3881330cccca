import assert from "node:assert/strict";
import { test } from "node:test";
import { runChecked } from "./exec.js";
import { createTestNetwork, listNamespaces } from "./netns.js";
import { requirePrerequisites } from "./prerequisites.js";
import { waitUntil } from "./wait.js";

const HOSTS = [
  { name: "a", address: "10.213.1.1", prefixLength: 24 },
  { name: "b", address: "10.213.1.2", prefixLength: 24 },
];

test("createTestNetwork: hosts reach each other over the bridge; nothing leaks to the root namespace; destroy cleans up", async (t) => {
  if (!requirePrerequisites(t, { root: true, commands: ["ip", "curl"] })) return;
  const network = await createTestNetwork(HOSTS);
  t.after(() => network.destroy());
  const namespaces = [network.switchNamespace, ...HOSTS.map((host) => network.namespaceOf(host.name))];
  assert.ok(namespaces.every((namespace) => namespace.includes(String(process.pid))), "names are unique per run");
  assert.deepEqual((await listNamespaces()).filter((name) => namespaces.includes(name)).sort(), [...namespaces].sort());

  const addresses = await network.run("a", ["ip", "-o", "-4", "addr", "show"]);
  assert.match(addresses.stdout, /lo\s+inet 127\.0\.0\.1\/8/);
  assert.match(addresses.stdout, /eth0\s+inet 10\.213\.1\.1\/24/);
  assert.doesNotMatch(await runChecked(["ip", "-o", "addr", "show"]), /10\.213\.1\./, "root namespace untouched");

  const server = network.spawn("a", [process.execPath, "-e", "require('http').createServer((q, r) => r.end('from a\\n')).listen(8080, '10.213.1.1')"]);
  let reply = "";
  await waitUntil(
    async () => {
      const result = await network.run("b", ["curl", "-fsS", "--max-time", "1", "http://10.213.1.1:8080/"], { timeoutMs: 3_000 });
      reply = result.stdout;
      return result.code === 0;
    },
    { timeoutMs: 10_000, description: "host b to reach host a's server" },
  );
  assert.equal(reply, "from a\n");

  const slow = await network.run("b", ["sleep", "10"], { timeoutMs: 200 });
  assert.equal(slow.signal, "SIGKILL");

  await network.destroy();
  assert.ok(server.exitCode !== null || server.signalCode !== null, "spawned process ended");
  const left = (await listNamespaces()).filter((name) => namespaces.includes(name));
  assert.deepEqual(left, []);
});

test("createTestNetwork rejects bad host lists before touching the system", async () => {
  await assert.rejects(createTestNetwork([]), /no hosts/);
  await assert.rejects(createTestNetwork([HOSTS[0]!, HOSTS[0]!]), /duplicate/);
  await assert.rejects(createTestNetwork([{ name: "x", address: "10.213.1.300", prefixLength: 24 }]), /IPv4/);
  await assert.rejects(createTestNetwork([{ name: "bad name", address: "10.213.1.3", prefixLength: 24 }]), /host name/);
});
