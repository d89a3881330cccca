// Help texts of every command: what it does, its options, and its defaults.

const FETCH_HELP = `  --cache-dir DIR verified release tarballs (default: $ETCDBOOT_CACHE_DIR, $XDG_CACHE_HOME/etcdboot or ~/.cache/etcdboot)
  --offline       use only the cache; fail if a release is not in it
  --quiet         no download progress`;

export const HELP = {
  main: `etcdboot — first-boot artifacts for a TLS etcd cluster, from one spec

Usage: etcdboot <command> [options]

Commands:
  init [FILE]     write a commented starter spec (default: cluster.yaml)
  build [SPEC]    make the CA, certificates and per-host artifacts (default spec: cluster.yaml)
  pin [SPEC]      fetch and verify the etcd release(s) the spec uses; record them in the lock file
  plan [SPEC]     show what build would change, host by host, and what the running cluster needs
  status [SPEC]   health, version, leader, DB size and raft term/index of every member
  members add|promote|remove|update HOST [SPEC]
                  change the running cluster's membership, one safe step at a time
  certs [SPEC]    list every certificate with its expiry, soonest first
  snapshot save [SPEC] [-o FILE]
                  stream a verified snapshot of the cluster's data from one member
  restore SNAPSHOT [SPEC]
                  per-host bundles that bring every member back from one snapshot

Options:
  -h, --help      help for etcdboot or a command
  --version       print the version

Exit codes: 0 success, 1 failure, 2 usage error or invalid spec.`,
  build: `Usage: etcdboot build [SPEC] [options]

Reads SPEC (default: cluster.yaml), makes or reuses the cluster's CA and certificates in
<pki>/<cluster>/, and writes per-host files to <out>/<cluster>/:
  hosts/<host>/user-data, meta-data, network-config (cloud-init targets; network-config
                  only for a static network) and seed.iso (the same files as a NoCloud CD-ROM image),
                  or hosts/<host>/<host>.apkovl.tar.gz (Alpine targets),
  ca.crt, etcdctl.env (sources the admin client certificate from the PKI folder), manifest.json
First-boot downloads are pinned to the checksums in the lock file beside SPEC (see etcdboot pin).

Options:
  --out DIR       parent folder of the output (default: output)
  --pki DIR       parent folder of the CA and keys (default: pki); keep it private and backed up
  --replace-ca    make a new CA even if one exists (re-issues every certificate; the old CA is kept as ca.<date>.crt/.key)
  --check         validate the spec only; write nothing
  --strict        treat warnings as errors
  --no-seed-image do not write hosts/<host>/seed.iso
${FETCH_HELP}
  -h, --help      this help`,
  pin: `Usage: etcdboot pin [SPEC] [options]

Fetches the etcd release of every arch SPEC's hosts use (default spec: cluster.yaml), verifies it
against the release's SHA256SUMS (and against the lock, if it already pins it: a mirror that now
serves a different file is an error), and writes version, arch, URL and SHA-256 to the lock file
beside SPEC (cluster.yaml -> cluster.lock.json). build then pins every first-boot download to it.
A cached tarball is re-checked: SHA256SUMS is fetched again (and the tarball, if SHA256SUMS
changed) unless --offline.

Options:
${FETCH_HELP}
  -h, --help      this help`,
  plan: `Usage: etcdboot plan [SPEC] [options]

Works out the build on a copy of the PKI and writes nothing. Per host: new, changed (and why:
address, names, certificate renewal, configuration), removed or unchanged; the artifacts that
will be written or deleted; and what to run against the cluster (etcdboot members ...).

Options:
  --out DIR, --pki DIR   as for build
  --no-seed-image        as for build (plan what that build would write)
  --json                 machine-readable output
${FETCH_HELP}
  -h, --help             this help`,
  status: `Usage: etcdboot status [SPEC] [options]

Asks every member, with the admin client certificate, for its status: endpoint, ID, name,
version, DB size, leader, learner, raft term and index, health. Exits 1 if any member is
unhealthy or unreachable.

Options:
  --pki DIR       parent folder of the CA and keys (default: pki)
  --json          machine-readable output
  -h, --help      this help`,
  members: `Usage: etcdboot members <add|promote|remove|update> HOST [SPEC] [options]

  add HOST        add HOST (from the spec) as a learner; then boot it with the artifacts of
                  the build that added it (initial-cluster-state: existing)
  promote HOST    make the learner a voting member once it has caught up (waits --wait s)
  remove HOST     remove HOST's member (also one added but never started; HOST may also be
                  a member ID as etcdboot status shows it); then shut it down and drop it
                  from the spec
  update HOST     set a renumbered HOST's peer URL to its new address; then restart it there
A member is found by its name, or by its peer URL while it has not started. Each step is
refused while another change is pending; add and update also while the cluster is unhealthy.
A removal is refused when it would leave fewer healthy members than quorum, and, unless
--force, when it would leave fewer than 3 voting members: a 2-member cluster tolerates no
failure (either member down stops writes), so add the replacement first.

Options:
  --pki DIR       parent folder of the CA and keys (default: pki)
  --wait SECONDS  promote: how long to wait for the learner (default: 120)
  --force         remove: go ahead even though the cluster is left with 1 or 2 voting members
  -h, --help      this help`,
  certs: `Usage: etcdboot certs [SPEC] [options]

Lists the CA, host and client certificates of the spec's cluster with their expiry dates,
soonest first. build re-issues a host or client certificate when less than 30 days (or a third
of its validity) are left; copy the host's new member.crt to a booted host (etcd reads
certificate files again for new connections: no restart needed).

Options:
  --pki DIR       parent folder of the CA and keys (default: pki)
  --json          machine-readable output
  -h, --help      this help`,
  snapshot: `Usage: etcdboot snapshot save [SPEC] [options]

Streams a snapshot of the cluster's data from one healthy member (a follower, sparing the
leader, unless --member names one) through etcd's maintenance API, with the admin client
certificate, into a temporary file that gets its name only when the SHA-256 etcd appends to
every snapshot checks. Prints its size, SHA-256, the member, the cluster ID and the revision,
and writes them to FILE.json beside it. A stream cut short leaves no file and exits 1.
The file (mode 0600) holds every key of the cluster: keep it as private as the PKI folder.

Options:
  -o, --output FILE  where to write it (default: <cluster>-<time>-r<revision>.db in the
                     current folder; an existing folder gets that name inside it); never
                     overwrites a file
  --member HOST      take it from this member
  --pki DIR          parent folder of the CA and keys (default: pki)
  --json             print the facts as JSON
  --quiet            no progress line
  -h, --help         this help`,
  restore: `Usage: etcdboot restore SNAPSHOT [SPEC] [options]

Disaster recovery: brings every member of the spec back from the same snapshot, as a new
logical cluster (a new initial-cluster-token, recorded in state.json so later builds and plan
use it; initial-cluster-state new). First checks the SHA-256 etcd appended to SNAPSHOT and
refuses a file where it does not check, and refuses while the cluster still answers as healthy.
Then writes, per host, <out>/<cluster>/hosts/<host>/restore/: snapshot.db (0600) and
restore.sh (checks the snapshot's SHA-256, stops etcd, restores with etcdutl — etcdctl for
3.4 — with the host's name, peer URL, the full initial cluster and the new token, moves the
old member data aside inside the data dir (never deletes it), sets owner and mode 0700, starts
etcd), and prints the steps in order. The next build replaces the output folder: copy the
bundles to the hosts first.

Options:
  --out DIR          parent folder of the output (default: output)
  --pki DIR          parent folder of the CA and keys (default: pki)
  --skip-hash-check  SNAPSHOT has no appended hash (a member's copied member/snap/db);
                     the restore tool is told so too
  --force            restore even though members still answer as healthy
  -h, --help         this help`,
  init: `Usage: etcdboot init [FILE]

Writes a commented starter spec to FILE (default: cluster.yaml). Refuses to overwrite, and
does not create folders: FILE's folder must exist.`,
} as const;
