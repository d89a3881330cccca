// YAML for the consumers we feed: cloud-init reads YAML 1.1 (PyYAML), etcd reads YAML through
// go-yaml, which also follows 1.1. Writing 1.1 makes the library quote what 1.1 would misread:
// a MAC address like 52:54:00:00:00:11 is a base-60 integer there, "on"/"yes" are booleans.

import { stringify } from "yaml";

export function toYaml(value: unknown): string {
  return stringify(value, { version: "1.1", lineWidth: 0 });
}
