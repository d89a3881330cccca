// ~/.ssh/authorized_keys: one key per line. A key is validated as one line of printable text.

import { assertOneLine } from "./token.js";

export function authorizedKeysFile(keys: string[]): string {
  return keys.map((key) => `${assertOneLine("authorized_keys", key)}\n`).join("");
}
