// The one intermediate form: per host, the files that must exist on it after first boot and
// what runs once they are there. Every output format is an encoding of a HostPlan.

import type { Host } from "../spec/types.js";

export interface PlannedFile {
  path: string;
  /** Unix permission bits, e.g. 0o600 */
  mode: number;
  owner: string;
  group: string;
  content: string;
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
  /** The system user etcd runs as; files owned by it can be written only once it exists. */
  serviceUser: ServiceUser;
  /** One shell command line run once the files are in place: install, then start etcd. */
  firstBoot: string;
}
