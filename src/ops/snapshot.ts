// `etcdboot snapshot save`: stream a snapshot from one member over mutual TLS into a temporary
// file beside the target, check the SHA-256 etcd appends, and only then give it its name, with
// a JSON of its facts beside it. A stream cut short leaves nothing behind.

import { randomBytes } from "node:crypto";
import { link, open, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { ClusterError } from "../cluster/client.js";
import { clusterIdHex, defaultSnapshotName, factsPath, renderFacts, type SnapshotFacts } from "../backup/snapshot-facts.js";
import { SnapshotHasher } from "../backup/snapshot-hash.js";
import { chooseSnapshotSource, type SnapshotSource } from "../backup/snapshot-source.js";
import { snapshotChunks } from "../backup/snapshot-stream.js";
import { UserError } from "../errors.js";
import type { ProgressReporter } from "../release/progress.js";
import { writeFileAtomic } from "../write/atomic-file.js";
import { withPath, withPathReplaced } from "../write/error-paths.js";
import { withPathRemoved } from "../write/scratch-folder.js";
import { surveyCluster, type ClusterSession } from "./cluster.js";

export interface SnapshotRequest {
  /** A file, or an existing folder to put the default name in; default: the current folder. */
  output?: string;
  /** The host to take it from; default: a healthy follower. */
  member?: string;
  now: Date;
  progress: ProgressReporter;
}

export interface SnapshotReport {
  file: string;
  factsFile: string;
  facts: SnapshotFacts;
}

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

async function targetPath(request: SnapshotRequest, cluster: string, revision: number): Promise<string> {
  const name = defaultSnapshotName(cluster, request.now, revision);
  if (request.output === undefined) return resolve(name);
  return (await isFolder(request.output)) ? resolve(request.output, name) : resolve(request.output);
}

/** Streams into path (new, 0600: a snapshot holds every key of the cluster); returns the check. */
async function streamInto(session: ClusterSession, source: SnapshotSource, path: string, label: string, progress: ProgressReporter) {
  const handle = await open(path, "wx", 0o600);
  const hasher = new SnapshotHasher();
  const header: { clusterId?: string; revision?: string } = {};
  const task = progress.start(label, undefined);
  try {
    const body = await session.client.snapshotStream(source.endpoint);
    for await (const chunk of snapshotChunks(body, source.endpoint)) {
      if (chunk.clusterId !== undefined) header.clusterId = chunk.clusterId;
      if (chunk.revision !== undefined) header.revision = chunk.revision;
      hasher.update(chunk.bytes);
      await handle.write(chunk.bytes).catch((error: unknown) => {
        throw withPath(error, path);
      });
      task.advance(chunk.bytes.length);
    }
    await handle.sync().catch((error: unknown) => {
      throw withPath(error, path);
    });
    const check = hasher.result();
    task.done();
    return { check, header };
  } catch (error) {
    task.fail((error as Error).message);
    throw error;
  } finally {
    await handle.close();
  }
}

export async function saveSnapshot(session: ClusterSession, request: SnapshotRequest): Promise<SnapshotReport> {
  const survey = await surveyCluster(session);
  const source = chooseSnapshotSource(survey, request.member);
  const before = source.health.status;
  const outputGuess = await targetPath(request, session.spec.cluster.name, Number(before?.revision ?? 0));
  const folder = dirname(outputGuess);
  if (!(await isFolder(folder))) throw new UserError(`folder ${folder} does not exist: create it first, or choose another -o`);
  const temporary = join(folder, `.${basename(outputGuess)}.${randomBytes(6).toString("hex")}.tmp`);
  // Removed on every way out, Ctrl-C included: only a whole, checked snapshot stays.
  return withPathRemoved(temporary, async () => {
    const { check, header } = await streamInto(session, source, temporary, basename(outputGuess), request.progress).catch((error: unknown) => {
      // The disk's fault (full, read-only, no permission) is said as such, under the name the user gave.
      if ((error as { path?: unknown }).path !== undefined) throw withPathReplaced(error, temporary, outputGuess);
      const reason = error instanceof ClusterError ? error.message : (error as Error).message;
      throw new UserError(`the snapshot from ${source.name} (${source.endpoint}) was cut short: ${reason}; no file was written`);
    });
    if (!check.intact)
      throw new UserError(
        `the snapshot from ${source.name} (${source.endpoint}) was cut short or damaged (${check.size} bytes; its SHA-256 does not check): no file was written; take it again`,
      );
    // 3.4 sends no header with the snapshot: its revision is the one the member reported just before.
    const revision = Number(header.revision ?? before?.revision ?? 0);
    const file = request.output !== undefined && !(await isFolder(request.output)) ? outputGuess : await targetPath(request, session.spec.cluster.name, revision);
    // link, not rename: never replaces a snapshot that is already there.
    await link(temporary, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "EEXIST") throw new UserError(`${file} already exists: not overwriting it (choose another -o)`);
      throw error;
    });
    const facts: SnapshotFacts = {
      cluster: session.spec.cluster.name,
      member: source.name,
      endpoint: source.endpoint,
      etcdVersion: before?.version ?? "",
      clusterId: clusterIdHex(header.clusterId ?? before?.clusterId ?? ""),
      revision,
      size: check.size,
      sha256: check.sha256,
      takenAt: request.now.toISOString(),
    };
    const factsFile = factsPath(file);
    await writeFileAtomic({ path: factsFile, contents: renderFacts(facts), mode: 0o644, exactMode: false, durable: true });
    return { file, factsFile, facts };
  });
}
