// The seeds' certificate workflows as shell scripts, for the same CA, hosts and admin client that
// etcdboot makes: cfssl (gencert -initca, then gencert | cfssljson per host) and the openssl
// equivalent (a key, a CSR and a certificate signed with SAN/EKU extensions per host). Their
// inputs (CSR JSON, extension files) are written beforehand, as etcdboot's spec is.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { KeyAlgorithm } from "../../src/pki/types.js";
import { CLUSTER, SUBJECT, type BenchHost } from "./bench-cluster.js";

export type CertTool = "cfssl" | "openssl";

const CA_NAME = `${CLUSTER} etcd CA`;
const ADMIN = "admin";

function sanNames(host: BenchHost): { dns: string[]; ips: string[] } {
  return { dns: [host.name, host.dnsName, "localhost"], ips: [host.address, "127.0.0.1"] };
}

/** Writes the tool's inputs into dir and returns the script to time (run with sh in dir). */
export async function prepareWorkflow(tool: CertTool, dir: string, hosts: BenchHost[], algorithm: KeyAlgorithm): Promise<string> {
  const script = tool === "cfssl" ? await prepareCfssl(dir, hosts, algorithm) : await prepareOpenssl(dir, hosts, algorithm);
  const path = join(dir, "make-certificates.sh");
  await writeFile(path, `set -e\n${script.join("\n")}\n`);
  return path;
}

async function prepareCfssl(dir: string, hosts: BenchHost[], algorithm: KeyAlgorithm): Promise<string[]> {
  const key = algorithm === "ecdsa-p256" ? { algo: "ecdsa", size: 256 } : { algo: "rsa", size: algorithm === "rsa-2048" ? 2048 : 4096 };
  const names = [SUBJECT];
  const json = (name: string, value: unknown) => writeFile(join(dir, name), JSON.stringify(value));
  const expiry = "87600h";
  await json("ca-csr.json", { CN: CA_NAME, key, names });
  await json("ca-config.json", {
    signing: {
      default: { expiry },
      profiles: {
        etcd: { expiry, usages: ["signing", "key encipherment", "server auth", "client auth"] },
        client: { expiry, usages: ["signing", "key encipherment", "client auth"] },
      },
    },
  });
  await Promise.all(hosts.map((host) => json(`${host.name}-csr.json`, { CN: host.name, hosts: [...sanNames(host).dns, ...sanNames(host).ips], key, names })));
  await json(`${ADMIN}-csr.json`, { CN: ADMIN, key, names });
  const sign = (name: string, profile: string) =>
    `cfssl gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile ${profile} ${name}-csr.json | cfssljson -bare ${name}`;
  return ["cfssl gencert -initca ca-csr.json | cfssljson -bare ca", ...hosts.map((host) => sign(host.name, "etcd")), sign(ADMIN, "client")];
}

async function prepareOpenssl(dir: string, hosts: BenchHost[], algorithm: KeyAlgorithm): Promise<string[]> {
  const newKey = algorithm === "ecdsa-p256" ? "-newkey ec -pkeyopt ec_paramgen_curve:P-256" : `-newkey rsa:${algorithm === "rsa-2048" ? 2048 : 4096}`;
  const subject = (cn: string) => `"/C=${SUBJECT.C}/O=${SUBJECT.O}/CN=${cn}"`;
  const leafExtensions = (usage: string, san: string | undefined) =>
    [
      "basicConstraints=critical,CA:FALSE",
      `keyUsage=critical,${algorithm === "ecdsa-p256" ? "digitalSignature" : "digitalSignature,keyEncipherment"}`,
      `extendedKeyUsage=${usage}`,
      "subjectKeyIdentifier=hash",
      "authorityKeyIdentifier=keyid",
      ...(san ? [`subjectAltName=${san}`] : []),
    ].join("\n");
  await Promise.all(
    hosts.map((host) => {
      const { dns, ips } = sanNames(host);
      const san = [...dns.map((d) => `DNS:${d}`), ...ips.map((ip) => `IP:${ip}`)].join(",");
      return writeFile(join(dir, `${host.name}.ext`), `${leafExtensions("serverAuth,clientAuth", san)}\n`);
    }),
  );
  await writeFile(join(dir, `${ADMIN}.ext`), `${leafExtensions("clientAuth", undefined)}\n`);
  const issue = (name: string) => [
    `openssl req -new ${newKey} -nodes -keyout ${name}-key.pem -out ${name}.csr -subj ${subject(name)}`,
    `openssl x509 -req -in ${name}.csr -CA ca.pem -CAkey ca-key.pem -days 3650 -sha256 -extfile ${name}.ext -out ${name}.pem`,
  ];
  return [
    `openssl req -x509 ${newKey} -nodes -keyout ca-key.pem -out ca.pem -subj "/C=${SUBJECT.C}/O=${SUBJECT.O}/CN=${CA_NAME}" -days 7300 -sha256 ` +
      `-addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"`,
    ...hosts.flatMap((host) => issue(host.name)),
    ...issue(ADMIN),
  ];
}

/** The certificates a workflow must have left: the CA's, one per host, the admin's. */
export function expectedCertificates(hosts: BenchHost[]): string[] {
  return ["ca.pem", ...hosts.map((host) => `${host.name}.pem`), `${ADMIN}.pem`];
}
