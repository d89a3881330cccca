// Commands that act on the running cluster: status, and one membership change at a time
// (add as learner, promote, remove, update a renumbered member's peer URL). The cluster is
// reached with the admin client certificate from the PKI folder.

import { setTimeout as sleep } from "node:timers/promises";
import { etcdctlClient } from "../clients/etcdctl-client.js";
import { EtcdClient, hexMemberId, type Alarm, type Member } from "../cluster/client.js";
import { memberOfHost, type KnownHost } from "../cluster/known-hosts.js";
import { memberLabel, refuseAdd, refuseRemove, refuseUpdate, type ClusterSurvey, type MemberHealth, type RemoveOptions } from "../cluster/safety.js";
import { assembleStatusReport, type StatusReport } from "../cluster/status-report.js";
import { clientUrl, peerUrl } from "../etcd/config.js";
import { UserError } from "../errors.js";
import type { Spec } from "../spec/types.js";
import { readState } from "../state/state-file.js";
import type { BuildState } from "../state/types.js";
import { loadValidSpec } from "./build.js";
import { existingPkiDir, readClientCredentials } from "./read-pki.js";

export interface ClusterSession {
  spec: Spec;
  client: EtcdClient;
  /** Client URLs to try, in order, until one answers. */
  endpoints: string[];
  hosts: KnownHost[];
}

export async function openCluster(specFile: string, pkiRoot: string, timeoutMs = 5000): Promise<ClusterSession> {
  const { spec } = await loadValidSpec(specFile, false);
  const client = etcdctlClient(spec.clients);
  if (!client) throw new UserError("the spec issues no client certificate: add clients: [admin]");
  const pkiDir = await existingPkiDir(pkiRoot, spec.cluster.name);
  const credentials = await readClientCredentials(pkiDir, client);
  // Members as last built, then as the spec says now (a renumbered host may not be there yet).
  const state = await readState(pkiDir);
  const endpoints = [...new Set([...(state?.members.map((m) => m.clientUrl) ?? []), ...spec.hosts.map((h) => clientUrl(spec, h))])];
  return { spec, client: new EtcdClient(credentials, timeoutMs), endpoints, hosts: knownHosts(spec, state) };
}

/** Every host of the spec and of the last build, with each peer URL it may be registered under. */
export function knownHosts(spec: Spec, state: BuildState | undefined): KnownHost[] {
  const urls = new Map<string, Set<string>>();
  const add = (name: string, url: string) => urls.set(name, (urls.get(name) ?? new Set()).add(url));
  for (const host of spec.hosts) add(host.name, peerUrl(spec, host));
  for (const member of state?.members ?? []) add(member.name, member.peerUrl);
  return [...urls].map(([name, peerUrls]) => ({ name, peerUrls: [...peerUrls] }));
}

async function listMembers(session: ClusterSession): Promise<{ members: Member[]; via: string }> {
  const failures: string[] = [];
  for (const endpoint of session.endpoints) {
    try {
      return { members: await session.client.listMembers(endpoint), via: endpoint };
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  throw new UserError(`no member of cluster ${session.spec.cluster.name} answered:\n  ${failures.join("\n  ")}`);
}

export async function surveyCluster(session: ClusterSession): Promise<ClusterSurvey> {
  const { members } = await listMembers(session);
  const health = await Promise.all(
    members.map(async (member): Promise<MemberHealth> => {
      const endpoint = member.clientURLs[0];
      if (!endpoint) return { member, problem: "not started" };
      try {
        const status = await session.client.status(endpoint);
        const problem = status.errors.length > 0 ? status.errors.join(", ") : status.leader === "0" ? "no leader" : undefined;
        return { member, endpoint, status, ...(problem ? { problem } : {}) };
      } catch (error) {
        return { member, endpoint, problem: `unreachable (${(error as Error).message})` };
      }
    }),
  );
  return { members, health, hosts: session.hosts };
}

function hostOf(spec: Spec, name: string) {
  const host = spec.hosts.find((h) => h.name === name);
  if (!host) throw new UserError(`${name} is not a host in the spec: add it (and run etcdboot build) first`);
  return host;
}

/** The member that is host name: by name, or by peer URL while it has not started. */
function findMember(survey: ClusterSurvey, name: string): Member | undefined {
  return memberOfHost(survey.members, survey.hosts.find((h) => h.name === name) ?? { name, peerUrls: [] });
}

/**
 * For remove and update: the member that is host name, else the member with that hex ID, so a
 * member no host's peer URL matches any more (renumbered and rebuilt before it ever started)
 * can still be taken back.
 */
function memberNamed(survey: ClusterSurvey, name: string): Member {
  const member = findMember(survey, name) ?? survey.members.find((m) => hexMemberId(m.ID) === name.toLowerCase());
  if (!member) {
    const listed = survey.members.map((m) => `${memberLabel(survey, m)} [${hexMemberId(m.ID)}]`).join(", ");
    throw new UserError(`${name} is not a member of the cluster (members: ${listed}): name a host, or a member ID in brackets`);
  }
  return member;
}

/** Any endpoint that answered as healthy, to send the change to. */
function healthyEndpoint(survey: ClusterSurvey, except?: string): string {
  const endpoint = survey.health.find((h) => h.problem === undefined && h.member.ID !== except && h.endpoint)?.endpoint;
  if (!endpoint) throw new UserError("no healthy member to send the change to");
  return endpoint;
}

function refuse(reason: string | undefined): void {
  if (reason) throw new UserError(`refused: ${reason}`);
}

/**
 * etcd itself refuses a membership change until every peer has been connected for a few
 * seconds ("unhealthy cluster"), e.g. just after a member restarted; that passes, so retry.
 */
async function retryWhileSettling<T>(action: () => Promise<T>, waitMs = 20_000): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await action();
    } catch (error) {
      if (!/unhealthy cluster/.test((error as Error).message) || Date.now() >= deadline) throw error;
      await sleep(1000);
    }
  }
}

export async function addMember(session: ClusterSession, name: string): Promise<{ id: string; peerUrl: string }> {
  const url = peerUrl(session.spec, hostOf(session.spec, name));
  const survey = await surveyCluster(session);
  refuse(refuseAdd(survey, name, url));
  const id = await retryWhileSettling(() => session.client.addLearner(healthyEndpoint(survey), url));
  return { id, peerUrl: url };
}

/** Promotes the learner once it has caught up with the leader (etcd refuses before that). */
export async function promoteMember(session: ClusterSession, name: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  const url = peerUrl(session.spec, hostOf(session.spec, name));
  for (;;) {
    const survey = await surveyCluster(session);
    const learner = findMember(survey, name);
    if (!learner) throw new UserError(`${name} (${url}) is not a member: run etcdboot members add ${name} first`);
    if (!learner.isLearner) return;
    let why = "it has not started yet";
    if (learner.name !== "") {
      try {
        await session.client.promote(healthyEndpoint(survey, learner.ID), learner.ID);
        return;
      } catch (error) {
        why = (error as Error).message;
      }
    }
    if (Date.now() >= deadline) throw new UserError(`${name} is still a learner after ${waitMs / 1000} s (${why}): is it booted and reachable? Run etcdboot members promote ${name} again later`);
    await sleep(1000);
  }
}

export async function removeMember(session: ClusterSession, name: string, options: RemoveOptions = {}): Promise<string> {
  const survey = await surveyCluster(session);
  const member = memberNamed(survey, name);
  refuse(refuseRemove(survey, member, options));
  await retryWhileSettling(() => session.client.remove(healthyEndpoint(survey, member.ID), member.ID));
  return member.ID;
}

export async function updateMember(session: ClusterSession, name: string): Promise<{ from: string[]; to: string }> {
  const url = peerUrl(session.spec, hostOf(session.spec, name));
  const survey = await surveyCluster(session);
  const member = memberNamed(survey, name);
  refuse(refuseUpdate(survey, member, url));
  await retryWhileSettling(() => session.client.updatePeerUrls(healthyEndpoint(survey), member.ID, url));
  return { from: member.peerURLs, to: url };
}

// ---- status ----

/** Status as monitoring reads it: the survey, the alarm list, and the spec's hosts to find drift. */
export async function clusterStatus(session: ClusterSession): Promise<StatusReport> {
  const survey = await surveyCluster(session);
  const { spec } = session;
  return assembleStatusReport({
    cluster: spec.cluster.name,
    specHosts: spec.hosts.map((host) => ({ name: host.name, peerUrl: peerUrl(spec, host) })),
    survey,
    alarms: await readAlarms(session, survey),
  });
}

/** The alarm list goes through raft: ask a member that knows a leader, or say why it is unknown. */
async function readAlarms(session: ClusterSession, survey: ClusterSurvey): Promise<Alarm[] | { unread: string }> {
  const endpoint = survey.health.find((h) => h.endpoint && h.status && h.status.leader !== "0")?.endpoint;
  if (!endpoint) return { unread: "no member that answered knows a leader" };
  try {
    return await session.client.alarms(endpoint);
  } catch (error) {
    return { unread: (error as Error).message };
  }
}
