// etcd's v3 API through its JSON gateway, over mutual TLS with a client certificate of the
// cluster's CA (undici). Only what etcdboot needs: membership, status and snapshots.

import { Agent, request } from "undici";
import { UserError } from "../errors.js";

/** etcd answered, and said no (or could not be reached): the user's to act on, not a bug. */
export class ClusterError extends UserError {}

export interface ClusterCredentials {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

export interface Member {
  /** uint64, as the gateway sends it: a decimal string. */
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface EndpointStatus {
  version: string;
  dbSize: number;
  leader: string;
  memberId: string;
  raftTerm: number;
  raftIndex: number;
  isLearner: boolean;
  errors: string[];
  /** Bytes the database file takes, and the part of it in use (the rest is freed by defragmenting). */
  dbSizeInUse: number;
  raftAppliedIndex: number;
  /** From the response header, decimal as the gateway sends them. */
  clusterId: string;
  revision: string;
}

export interface Alarm {
  /** Decimal, as the gateway sends it. */
  memberId: string;
  /** etcd's name for it: NOSPACE (the quota is reached: writes refused), CORRUPT. */
  alarm: string;
}

/** A member ID as etcdctl prints it (hex); kept as it is if the gateway sent something else. */
export function hexMemberId(id: string): string {
  return /^\d+$/.test(id) ? BigInt(id).toString(16) : id;
}

// The gateway's answer as the types etcd documents, whatever arrived: something else listening
// at a client URL gets a clear "not etcd" or empty values, never a crash. uint64s come as
// decimal strings (protobuf JSON), which Number() would round: kept as text until used.
type JsonObject = Record<string, unknown>;
const asRecord = (value: unknown): JsonObject => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : {});
const asRecords = (value: unknown): JsonObject[] => (Array.isArray(value) ? value.map(asRecord) : []);
const asText = (value: unknown, fallback = ""): string => (typeof value === "string" ? value : typeof value === "number" ? String(value) : fallback);
const asTexts = (value: unknown): string[] => (Array.isArray(value) ? value.map((v) => asText(v)) : []);

export class EtcdClient {
  private readonly agent: Agent;

  constructor(credentials: ClusterCredentials, private readonly timeoutMs = 5000) {
    this.agent = new Agent({
      connect: { ca: credentials.caCertPem, cert: credentials.certPem, key: credentials.keyPem, timeout: timeoutMs },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** POST a gateway call; throws with the endpoint and etcd's own message. */
  async call<T>(endpoint: string, path: string, body: unknown = {}): Promise<T> {
    const response = await request(`${endpoint}${path}`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
      dispatcher: this.agent,
    }).catch((error: Error) => {
      throw new ClusterError(`${endpoint}: ${error.message}`);
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) {
      const message = (() => {
        try {
          return (JSON.parse(text) as { message?: string; error?: string }).message ?? text;
        } catch {
          return text;
        }
      })();
      throw new ClusterError(`${endpoint}${path}: ${message.trim() || `HTTP ${response.statusCode}`}`);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ClusterError(`${endpoint}${path}: the answer is not JSON: is this an etcd client URL?`);
    }
  }

  async listMembers(endpoint: string): Promise<Member[]> {
    const result = asRecord(await this.call(endpoint, "/v3/cluster/member/list", {}));
    if (result["members"] !== undefined && !Array.isArray(result["members"])) throw new ClusterError(`${endpoint}: the member list is not a list: is this etcd?`);
    return asRecords(result["members"]).map((m) => ({
      ID: asText(m["ID"]),
      name: asText(m["name"]),
      peerURLs: asTexts(m["peerURLs"]),
      clientURLs: asTexts(m["clientURLs"]),
      isLearner: m["isLearner"] === true,
    }));
  }

  async addLearner(endpoint: string, peerUrl: string): Promise<string> {
    const result = asRecord(await this.call(endpoint, "/v3/cluster/member/add", { peerURLs: [peerUrl], isLearner: true }));
    return asText(asRecord(result["member"])["ID"]);
  }

  async promote(endpoint: string, id: string): Promise<void> {
    await this.call(endpoint, "/v3/cluster/member/promote", { ID: id });
  }

  async remove(endpoint: string, id: string): Promise<void> {
    await this.call(endpoint, "/v3/cluster/member/remove", { ID: id });
  }

  async updatePeerUrls(endpoint: string, id: string, peerUrl: string): Promise<void> {
    await this.call(endpoint, "/v3/cluster/member/update", { ID: id, peerURLs: [peerUrl] });
  }

  async status(endpoint: string): Promise<EndpointStatus> {
    const s = asRecord(await this.call(endpoint, "/v3/maintenance/status", {}));
    const header = asRecord(s["header"]);
    return {
      version: asText(s["version"]),
      dbSize: Number(asText(s["dbSize"], "0")),
      leader: asText(s["leader"], "0"),
      memberId: asText(header["member_id"]),
      raftTerm: Number(asText(s["raftTerm"], "0")),
      raftIndex: Number(asText(s["raftIndex"], "0")),
      isLearner: s["isLearner"] === true,
      errors: asTexts(s["errors"]),
      dbSizeInUse: Number(asText(s["dbSizeInUse"], "0")),
      raftAppliedIndex: Number(asText(s["raftAppliedIndex"], "0")),
      clusterId: asText(header["cluster_id"]),
      revision: asText(header["revision"], "0"),
    };
  }

  /** The cluster's raised alarms (NOSPACE, CORRUPT), each with the member that raised it. */
  async alarms(endpoint: string): Promise<Alarm[]> {
    const result = asRecord(await this.call(endpoint, "/v3/maintenance/alarm", { action: "GET" }));
    if (result["alarms"] !== undefined && !Array.isArray(result["alarms"])) throw new ClusterError(`${endpoint}: the alarm list is not a list: is this etcd?`);
    return asRecords(result["alarms"]).map((a) => ({ memberId: asText(a["memberID"]), alarm: asText(a["alarm"], "NONE") }));
  }

  /**
   * The maintenance API's snapshot stream, as the gateway sends it: one JSON object per line,
   * each with a base64 chunk (see backup/snapshot-stream.ts). No body timeout: a large
   * database streams for as long as it takes, and a dropped connection still ends it.
   */
  async snapshotStream(endpoint: string): Promise<AsyncIterable<Uint8Array>> {
    const path = "/v3/maintenance/snapshot";
    const response = await request(`${endpoint}${path}`, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
      dispatcher: this.agent,
      bodyTimeout: 0,
    }).catch((error: Error) => {
      throw new ClusterError(`${endpoint}: ${error.message}`);
    });
    if (response.statusCode !== 200) {
      const text = await response.body.text().catch(() => "");
      throw new ClusterError(`${endpoint}${path}: ${text.trim() || `HTTP ${response.statusCode}`}`);
    }
    return response.body;
  }
}
