import { basename, dirname, extname, join } from "node:path";

/** A spec's lock file: cluster.yaml → cluster.lock.json beside it. */
export function lockPathFor(specFile: string): string {
  return join(dirname(specFile), `${basename(specFile, extname(specFile))}.lock.json`);
}
