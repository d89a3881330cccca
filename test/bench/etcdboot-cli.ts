// etcdboot as a user runs it: a fresh `node bin/etcdboot.js build` process per build.

import { join } from "node:path";
import { REPO } from "../support.js";

export const ETCDBOOT_BIN = join(REPO, "bin", "etcdboot.js");

export interface BuildFolders {
  /** Holds the spec; the output, PKI and cache folders go under it. */
  dir: string;
  specFile: string;
}

/** argv after `node`: build SPEC --out DIR/out --pki DIR/pki --quiet */
export function buildArgs({ dir, specFile }: BuildFolders): string[] {
  return [ETCDBOOT_BIN, "build", specFile, "--out", join(dir, "out"), "--pki", join(dir, "pki"), "--quiet"];
}

/** The build's environment: its own release cache, so nothing outside the benchmark is used. */
export function buildEnv(cacheDir: string): NodeJS.ProcessEnv {
  return { ...process.env, ETCDBOOT_CACHE_DIR: cacheDir };
}
