import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultCacheDir } from "../../src/release/cache-dir.js";

test("defaultCacheDir: ETCDBOOT_CACHE_DIR, else XDG_CACHE_HOME/etcdboot, else ~/.cache/etcdboot", () => {
  const home = { HOME: "/home/ada" };
  assert.equal(defaultCacheDir({ ...home, ETCDBOOT_CACHE_DIR: "/var/cache/eb", XDG_CACHE_HOME: "/xdg" }), "/var/cache/eb");
  assert.equal(defaultCacheDir({ ...home, XDG_CACHE_HOME: "/xdg" }), "/xdg/etcdboot");
  assert.equal(defaultCacheDir({ ...home, XDG_CACHE_HOME: "relative/is/ignored" }), "/home/ada/.cache/etcdboot");
  assert.equal(defaultCacheDir({ ...home, ETCDBOOT_CACHE_DIR: "", XDG_CACHE_HOME: "" }), "/home/ada/.cache/etcdboot");
});
