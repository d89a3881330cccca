// The one intermediate form: per host, the files that must exist on it after first boot and
// what runs once they are there. Every output format is an encoding of a HostPlan.

import type { Host } from "../spec/types.js";

export interface PlannedFile {
  path: string;
  /** Unix permission bits, e.g. 0o600 */
  mode: number;
  owner: string;
  group: string;
  /** Text, or bytes for bundled binaries. */
  content: string | Uint8Array;
  /** A private key or password: every artifact that carries this file is written 0600 in a 0700 folder. */
  secret?: boolean;
}

/** A folder whose mode or owner matters (others are made 0755 root as parents). */
export interface PlannedDirectory {
  path: string;
  mode: number;
  owner: string;
  group: string;
}

export interface PlannedLink {
  path: string;
  target: string;
}

export interface ServiceUser {
  name: string;
  home: string;
  shell: string;
}

export interface HostPlan {
  host: Host;
  /** Sorted by path. */
  files: PlannedFile[];
  directories: PlannedDirectory[];
  /** Symbolic links, e.g. OpenRC runlevel entries. */
  links: PlannedLink[];
  /** The system user etcd runs as; files owned by it can be written only once it exists. */
  serviceUser: ServiceUser;
  /**
   * A shell command line run once the files are in place (cloud-init's runcmd). Empty where
   * the init system starts etcd from the files alone (OpenRC runlevel links).
   */
  firstBoot: string;
}
