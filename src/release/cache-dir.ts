// Where downloaded releases are kept between runs, following the XDG base directory convention.

import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

/** $ETCDBOOT_CACHE_DIR, else $XDG_CACHE_HOME/etcdboot, else ~/.cache/etcdboot. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env["ETCDBOOT_CACHE_DIR"];
  if (explicit) return resolve(explicit);
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const xdgCache = env["XDG_CACHE_HOME"];
  if (xdgCache && isAbsolute(xdgCache)) return join(xdgCache, "etcdboot");
  return join(env["HOME"] || homedir(), ".cache", "etcdboot");
}
