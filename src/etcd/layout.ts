// Where etcd lives on every generated host. The same paths serve every OS target and every
// output format; tests run the product with these paths unchanged.

export const ETCD_USER = "etcd";
export const ETCD_GROUP = "etcd";

export const HOST_PATHS = {
  configFile: "/etc/etcd/etcd.conf.yml",
  caCert: "/etc/etcd/pki/ca.crt",
  memberCert: "/etc/etcd/pki/member.crt",
  memberKey: "/etc/etcd/pki/member.key",
  dataDir: "/var/lib/etcd",
  binDir: "/usr/local/bin",
  installScript: "/usr/local/sbin/etcdboot-install-etcd",
  systemdUnit: "/etc/systemd/system/etcd.service",
} as const;
