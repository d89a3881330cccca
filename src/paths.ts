// Where etcdboot's own files are, from this module's place in the package (dist/src/paths.js).
import { fileURLToPath } from "node:url";

export const PACKAGE_DIR = fileURLToPath(new URL("../../", import.meta.url));
export const PROFILES_DIR = fileURLToPath(new URL("../../profiles/", import.meta.url));
/** The compiled code (dist/src): what produces the output, so a changed etcdboot rebuilds. */
export const CODE_DIR = fileURLToPath(new URL("./", import.meta.url));
