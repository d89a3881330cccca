// /etc/apk/repositories: one repository per line, a URL or an absolute path; a line starting with
// "#" is a comment and one starting with "@" names a tagged repository, so neither may start one.

import { assertToken } from "./token.js";

const REPOSITORY = /^(?:[a-z][a-z0-9+.-]*:\/\/|\/)[A-Za-z0-9\-._~:/?[\]@!&()*+,;=%]*$/;

export function apkRepository(value: string): string {
  return assertToken("apk repositories", value, REPOSITORY);
}
