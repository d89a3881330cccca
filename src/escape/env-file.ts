// Environment files that users source into their shell (`. etcdctl.env`): each line an exported
// assignment, quoted by the shell module, so a path with spaces or $(...) stays a path.

import { shellAssignment } from "./shell.js";

export function envExport(name: string, value: string): string {
  return `export ${shellAssignment(name, value)}`;
}
