// Help texts of every command: what it does, its options, and its defaults. Every line
// fits 80 columns, and in each options list the descriptions start in one column
// (test/unit/help.test.ts).

const FETCH_HELP = `  --cache-dir DIR    verified release tarballs (default: $ETCDBOOT_CACHE_DIR,
                     $XDG_CACHE_HOME/etcdboot or ~/.cache/etcdboot)
  --offline          use only the cache; fail if a release is not in it
  --quiet            no download progress`;

const PKI_HELP = `  --pki DIR          parent folder of the CA and keys (default: pki)`;

const MEMBERS_OPTIONS = `Options:
${PKI_HELP}
  --json             print what was done as JSON (shape: README)
  -h, --help         this help`;

export const MEMBER_HELP = {
  add: `Usage: etcdboot members add HOST [SPEC] [options]

Adds HOST (from the spec) to the running cluster as a learner. Then boot HOST
with the artifacts of the build that added it (initial-cluster-state: existing),
and run etcdboot members promote HOST. Refused while another change is pending
or the cluster is unhealthy.

${MEMBERS_OPTIONS}`,
  promote: `Usage: etcdboot members promote HOST [SPEC] [options]

Makes the learner HOST a voting member once it has caught up with the leader,
waiting up to --wait seconds for it.

Options:
${PKI_HELP}
  --wait SECONDS     how long to wait for the learner (default: 120)
  --json             print what was done as JSON (shape: README)
  -h, --help         this help`,
  remove: `Usage: etcdboot members remove HOST [SPEC] [options]

Removes HOST's member (also one added but never started; HOST may also be a
member ID as etcdboot status shows it). Then shut it down and drop it from the
spec.
Refused when it would leave fewer healthy members than quorum, and, unless
--force, fewer than 3 voting members: a 2-member cluster tolerates no failure
(either member down stops writes), so add the replacement first.

Options:
${PKI_HELP}
  --force            go ahead even though 1 or 2 voting members are left
  --json             print what was done as JSON (shape: README)
  -h, --help         this help`,
  update: `Usage: etcdboot members update HOST [SPEC] [options]

Sets a renumbered HOST's peer URL to its new address (from the spec). Then
restart HOST at its new address with its new artifacts. Refused while another
change is pending or the cluster is unhealthy.

${MEMBERS_OPTIONS}`,
} as const;

export const HELP = {
  main: `etcdboot — first-boot artifacts for a TLS etcd cluster, from one spec

Usage: etcdboot <command> [options]

Commands:
  init [FILE]        write a commented starter spec (default: cluster.yaml)
  build [SPEC]       make the CA, certificates and per-host artifacts
                     (default spec: cluster.yaml)
  pin [SPEC]         fetch and verify the etcd release(s) the spec uses; record
                     them in the lock file
  plan [SPEC]        show what build would change, host by host, and what the
                     running cluster needs
  status [SPEC]      members' health, role, alarms, DB size; drift from the spec
  members add|promote|remove|update HOST [SPEC]
                     change the running cluster's membership, one safe step at
                     a time (etcdboot members add --help, …)
  certs [SPEC]       every certificate's expiry, soonest first; --warn-days N
  snapshot save [SPEC] [-o FILE]
                     stream a verified snapshot of the cluster's data from one
                     member
  restore SNAPSHOT [SPEC]
                     per-host bundles that bring every member back from one
                     snapshot
  schema             print the spec's JSON Schema (for editors and CI)
  completion bash|zsh|fish
                     print a shell completion script
  version            print the version, the etcd releases it builds for and
                     Node's version
  image HOST [SPEC] --alpine FILE|URL
                     a ready-to-flash SD card image (and boot-files zip) of a
                     Raspberry Pi host

Options:
  -h, --help         help for etcdboot or a command
  -V, --version      print the version

Every command that reports takes --json (shapes: README, "Machine-readable
output"). Exit codes: 0 success, 1 failure (plan --exit-code: changes pending),
2 usage error or invalid spec.`,
  build: `Usage: etcdboot build [SPEC] [options]

Reads SPEC (default: cluster.yaml), makes or reuses the cluster's CA and
certificates in <pki>/<cluster>/, and writes per-host files to <out>/<cluster>/:
  hosts/<host>/user-data, meta-data, network-config (cloud-init targets;
  network-config only for a static network) and seed.iso (the same files as a
  NoCloud CD-ROM image), or hosts/<host>/<host>.apkovl.tar.gz (Alpine
  targets); ca.crt, crl.pem, etcdctl.env
  (sources the admin client certificate from the PKI folder), manifest.json;
  clients/<name>/ for a client with for: k3s | kube-apiserver: ca.crt,
  client.crt, client.key (0600 in a 0700 folder), k3s-config.yaml or
  kube-apiserver.flags
First-boot downloads are pinned to the checksums in the lock file beside SPEC
(see etcdboot pin).

Options:
  --out DIR          parent folder of the output (default: output)
  --pki DIR          parent folder of the CA and keys (default: pki); keep it
                     private and backed up
  --replace-ca       make a new CA even if one exists (re-issues every
                     certificate; the old CA is kept as ca.<date>.crt/.key)
  --check            validate the spec only; write nothing
  --strict           treat warnings as errors
  --no-seed-image    do not write hosts/<host>/seed.iso
  --json             print the report as JSON; with --check, every problem as
                     {file, line, column, field, message, fix}
${FETCH_HELP}
  -h, --help         this help`,
  pin: `Usage: etcdboot pin [SPEC] [options]

Fetches the etcd release of every arch SPEC's hosts use (default spec:
cluster.yaml), verifies it against the release's SHA256SUMS (and against the
lock, if it already pins it: a mirror that now serves a different file is an
error), and writes version, arch, URL and SHA-256 to the lock file beside SPEC
(cluster.yaml -> cluster.lock.json). build then pins every first-boot download
to it. A cached tarball is re-checked: SHA256SUMS is fetched again (and the
tarball, if SHA256SUMS changed) unless --offline.

Options:
  --json             print the pinned releases as JSON
${FETCH_HELP}
  -h, --help         this help`,
  plan: `Usage: etcdboot plan [SPEC] [options]

Works out the build on a copy of the PKI and writes nothing. Per host: new,
changed, removed or unchanged; for a changed host, each file on it that changes
and its kind (installer, certificate, etcd configuration, network, ...), and
what a running member needs for it (nothing for an installer-only change; a
certificate copy; a restart of etcd; applying the network); the artifacts that
will be written or deleted; and what to run against the cluster.

Options:
  --out DIR          as for build
  --pki DIR          as for build
  --no-seed-image    as for build (plan what that build would write)
  --diff             also show each changed file's content diff (private keys
                     never shown)
  --exit-code        exit 1 when anything would change, 0 when nothing would
                     (as git diff --exit-code; errors: 1 or 2 and a message)
  --json             machine-readable output
${FETCH_HELP}
  -h, --help         this help`,
  status: `Usage: etcdboot status [SPEC] [options]

Asks every member, with the admin client certificate, for its status and the
cluster for its alarms, and compares the membership with the spec's hosts.
Prints one line per member: name, role, status, etcd version, DB size ("—"
where a member cannot say), then what is wrong and what to do.
Exits 1 if a member is unhealthy, unreachable or not started, an alarm is
raised (NOSPACE: the quota is full), or the membership and the spec differ
(a member the spec lacks, a host that is no member, a stale peer URL).

Options:
${PKI_HELP}
  --wide             add endpoint, ID, DB in use, raft term/index, revision
  --json             every field, for monitoring ("version": 1 names the
                     format)
  -h, --help         this help`,
  members: `Usage: etcdboot members <add|promote|remove|update> HOST [SPEC] [options]

  add HOST           add HOST (from the spec) as a learner; then boot it with
                     the artifacts of the build that added it
  promote HOST       make the learner a voting member once it has caught up
  remove HOST        remove HOST's member; then shut it down and drop it from
                     the spec
  update HOST        set a renumbered HOST's peer URL to its new address; then
                     restart it there
A member is found by its name, or by its peer URL while it has not started. Each
step is refused while another change is pending. Each action has its own help:
etcdboot members add --help (promote, remove, update).

Options:
${PKI_HELP}
  --wait SECONDS     promote: how long to wait for the learner (default: 120)
  --force            remove: go ahead even though 1 or 2 voting members are left
  --json             print what was done as JSON (shape: README)
  -h, --help         this help`,
  certs: `Usage: etcdboot certs [SPEC] [options]

Lists the CA, host and client certificates of the spec's cluster with their
expiry dates, soonest first. build re-issues a host or client certificate when
less than 30 days (or a third of its validity) are left; copy the host's new
member.crt to a booted host (etcd reads certificate files again for new
connections: no restart needed).

Options:
${PKI_HELP}
  --warn-days N      exit 1, naming them, if certificates expire within N days
                     (a whole number of days, 0 or more; 0: already expired)
  --json             machine-readable output
  -h, --help         this help`,
  snapshot: `Usage: etcdboot snapshot save [SPEC] [options]

Streams a snapshot of the cluster's data from one healthy member (a follower,
sparing the leader, unless --member names one) through etcd's maintenance API,
with the admin client certificate, into a temporary file that gets its name
only when the SHA-256 etcd appends to every snapshot checks. Prints its size,
SHA-256, the member, the cluster ID and the revision, and writes them to
FILE.json beside it. A stream cut short leaves no file and exits 1. The file
(mode 0600) holds every key of the cluster: keep it as private as the PKI
folder.

Options:
  -o, --output FILE  where to write it (default: <cluster>-<time>-r<revision>.db
                     in the current folder; an existing folder gets that name
                     inside it); never overwrites a file
  --member HOST      take it from this member
${PKI_HELP}
  --json             print the facts as JSON
  --quiet            no progress line
  -h, --help         this help`,
  restore: `Usage: etcdboot restore SNAPSHOT [SPEC] [options]

Disaster recovery: brings every member of the spec back from the same snapshot,
as a new logical cluster (a new initial-cluster-token, recorded in state.json so
later builds and plan use it; initial-cluster-state new). First checks the
SHA-256 etcd appended to SNAPSHOT and refuses a file where it does not check,
and refuses while the cluster still answers as healthy. Then writes, per host,
<out>/<cluster>/hosts/<host>/restore/: snapshot.db (0600) and restore.sh (checks
the snapshot's SHA-256, stops etcd, restores with etcdutl — etcdctl for 3.4 —
with the host's name, peer URL, the full initial cluster and the new token,
moves the old member data aside inside the data dir (never deletes it), sets
owner and mode 0700, starts etcd), and prints the steps in order. The next build
replaces the output folder: copy the bundles to the hosts first.

Options:
  --out DIR          parent folder of the output (default: output)
${PKI_HELP}
  --skip-hash-check  SNAPSHOT has no appended hash (a member's copied
                     member/snap/db); the restore tool is told so too
  --force            restore even though members still answer as healthy
  --json             print the bundles and steps as JSON
  -h, --help         this help`,
  schema: `Usage: etcdboot schema

Prints the JSON Schema (draft 2020-12) of the cluster spec, generated from the
checks etcdboot itself runs. Editors with a YAML language server complete and
check a spec that starts with
  # yaml-language-server: $schema=<path or URL of the schema>
(etcdboot init writes that line). Some checks (addresses, etcd releases, rules
between fields) only etcdboot build --check makes.

Options:
  -h, --help         this help`,
  completion: `Usage: etcdboot completion bash|zsh|fish

Prints a completion script for commands, options and, for members, the host
names of the spec (cluster.yaml, or the first .yaml file on the command line).
  bash: eval "$(etcdboot completion bash)"   (in ~/.bashrc)
  zsh:  eval "$(etcdboot completion zsh)"    (in ~/.zshrc, after compinit)
  fish: etcdboot completion fish > ~/.config/fish/completions/etcdboot.fish

Options:
  -h, --help         this help`,
  image: `Usage: etcdboot image HOST [SPEC] --alpine FILE|URL [options]

Makes <out>/<cluster>/hosts/HOST/HOST.img, a raw disk image that Raspberry Pi
Imager, balenaEtcher or dd write as it is, for an alpine-rpi host of SPEC
(default: cluster.yaml) that etcdboot build has built: an MBR, a 256 MiB FAT32
boot partition (label ALPINE) with Alpine's boot files and HOST.apkovl.tar.gz as
its only overlay, and a 640 MiB empty ext4 data partition named as
storage.device says (LABEL=..., UUID=... or /dev/mmcblk0p2; none for tmpfs or
another disk). Also HOST-boot.zip: the boot partition's files, to unzip onto a
card formatted FAT32. Both hold the host's key: mode 0600. The same inputs give
the same bytes. The next build replaces the output folder: run image again
after each build.

Options:
  --alpine FILE|URL  alpine-rpi-<version>-aarch64.tar.gz of the spec's
                     alpine.branch, a file or an http(s) URL; verified against
                     <FILE|URL>.sha256 as Alpine publishes it
  --alpine-sha256 HEX
                     verify against this checksum instead (no .sha256 needed)
  --out DIR          as for build
  --pki DIR          as for build
${FETCH_HELP}
  -h, --help         this help`,
  init: `Usage: etcdboot init [FILE]

Writes a commented starter spec to FILE (default: cluster.yaml). Refuses to
overwrite, and does not create folders: FILE's folder must exist.

Options:
  -h, --help         this help`,
} as const;
