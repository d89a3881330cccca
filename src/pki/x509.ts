// The one place that loads @peculiar/x509. Its dependency injection (tsyringe) needs the
// Reflect metadata polyfill before the library is evaluated, and it must be told which
// WebCrypto to use. Every other PKI module imports `x509` from here, never the package itself.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { webcrypto } from "node:crypto";

x509.cryptoProvider.set(webcrypto);

export { x509 };
