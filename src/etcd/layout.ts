// Where etcd lives on a generated host. Certificates and binaries sit in the same place on
// every target; the config file and data dir follow each init system's conventions. Tests run
// the product with these paths unchanged.

export const ETCD_USER = "etcd";
export const ETCD_GROUP = "etcd";
/**
 * Alpine hosts create the etcd user at boot with these ids, because the overlay's key files
 * arrive owned by numbers, not names (2379: etcd's client port, easy to recognise).
 */
export const ETCD_UID = 2379;
export const ETCD_GID = 2379;

/** etcd's plain-HTTP /metrics and /health listener, unless the spec's metrics.port says otherwise. */
export const DEFAULT_METRICS_PORT = 2381;

const common = {
  caCert: "/etc/etcd/pki/ca.crt",
  memberCert: "/etc/etcd/pki/member.crt",
  memberKey: "/etc/etcd/pki/member.key",
  /** DER: etcd 3.4/3.5 parse PEM or DER, 3.6+ (x509.ParseRevocationList) DER only. */
  crl: "/etc/etcd/pki/crl.der",
  binDir: "/usr/local/bin",
  installScript: "/usr/local/sbin/etcdboot-install-etcd",
} as const;

export interface EtcdLayout {
  caCert: string;
  memberCert: string;
  memberKey: string;
  crl: string;
  binDir: string;
  installScript: string;
  configFile: string;
  dataDir: string;
}

export const SYSTEMD_LAYOUT: EtcdLayout & { systemdUnit: string } = {
  ...common,
  configFile: "/etc/etcd/etcd.conf.yml",
  dataDir: "/var/lib/etcd",
  systemdUnit: "/etc/systemd/system/etcd.service",
};

export const OPENRC_LAYOUT: EtcdLayout & { dataMount: string; initScript: string; confFile: string; logFile: string } = {
  ...common,
  // Alpine's own etcd package reads /etc/etcd/conf.yml: keep its convention.
  configFile: "/etc/etcd/conf.yml",
  /** The persistent partition is mounted here; etcd's data dir is a 0700 folder inside it. */
  dataMount: "/var/lib/etcd",
  dataDir: "/var/lib/etcd/data",
  initScript: "/etc/init.d/etcd",
  confFile: "/etc/conf.d/etcd",
  logFile: "/var/log/etcd/etcd.log",
};
