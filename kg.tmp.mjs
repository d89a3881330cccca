import { generateKeyPair } from "/work/main/dist/src/pki/keys.js";
import { writeFileAtomic } from "/work/main/dist/src/write/atomic-file.js";
import { forEachLimited } from "/work/main/dist/src/write/concurrency.js";
import { mkdirSync, rmSync } from "node:fs";
let t = performance.now();
const keys = await Promise.all(Array.from({ length: 1000 }, () => generateKeyPair("ecdsa-p256")));
console.log(process.env.UV_THREADPOOL_SIZE, "keys", (performance.now() - t).toFixed(0));
rmSync("/tmp/wt", { recursive: true, force: true }); mkdirSync("/tmp/wt");
for (const durable of [true, false]) {
  t = performance.now();
  await forEachLimited(keys.map((k, i) => i), async (i) => { await writeFileAtomic({ path: `/tmp/wt/${i}.key`, contents: keys[i].pem, mode: 0o600, exactMode: true, durable }); await writeFileAtomic({ path: `/tmp/wt/${i}.crt`, contents: keys[i].pem, mode: 0o644, exactMode: true, durable }); }, Number(process.env.LIMIT ?? 32));
  console.log("  writes durable", durable, (performance.now() - t).toFixed(0));
}
