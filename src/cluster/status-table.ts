// The status report as people read it: a summary line (health first), one row per member (80 columns, long
// names cut in the middle; --wide adds endpoint, ID, raft and revision columns and cuts
// nothing), then what is wrong with whom (wrapped at 80 columns). Unknown values show as "—".

import { formatBytes } from "../human-size.js";
import { elideMiddle, formatTable, printable, type Column } from "../text-table.js";
import { wrapText } from "../text-wrap.js";
import type { MemberStatus, StatusReport } from "./status-report.js";

export const TERMINAL_WIDTH = 80;
const UNKNOWN = "—";

/** One word for a member's state: the most pressing of its problems. */
export function statusWord(m: MemberStatus): string {
  if (!m.isMember) return "not member";
  if (!m.started) return "not started";
  if (!m.reachable) return "unreachable";
  if (m.alarms.length > 0) return m.alarms.join(",");
  if (m.errors.length > 0) return m.errors.some((e) => /no leader/.test(e)) ? "no leader" : "errors";
  if (m.drift === "not-in-spec") return "not in spec";
  if (m.drift === "peer-url") return "peer URL";
  return "healthy";
}

const known = <T>(value: T | null, show: (v: T) => string = String) => (value === null ? UNKNOWN : show(value));
const label = (m: MemberStatus) => m.name || `[${m.id ?? "?"}]`;

interface StatusColumn extends Column {
  cell: (m: MemberStatus) => string;
  wideOnly?: boolean;
}

const COLUMNS: StatusColumn[] = [
  { header: "NAME", elastic: { min: 12 }, cell: label },
  { header: "ENDPOINT", wideOnly: true, cell: (m) => m.endpoint ?? UNKNOWN },
  { header: "ID", wideOnly: true, cell: (m) => m.id ?? UNKNOWN },
  { header: "ROLE", max: 8, cell: (m) => m.role ?? UNKNOWN },
  { header: "STATUS", max: 12, cell: statusWord },
  { header: "VERSION", max: 10, cell: (m) => known(m.etcdVersion) },
  { header: "DB SIZE", max: 10, alignRight: true, cell: (m) => known(m.dbSize, formatBytes) },
  { header: "IN USE", wideOnly: true, alignRight: true, cell: (m) => known(m.dbSizeInUse, formatBytes) },
  { header: "RAFT TERM", wideOnly: true, alignRight: true, cell: (m) => known(m.raftTerm) },
  { header: "RAFT INDEX", wideOnly: true, alignRight: true, cell: (m) => known(m.raftIndex) },
  { header: "APPLIED", wideOnly: true, alignRight: true, cell: (m) => known(m.raftAppliedIndex) },
  { header: "REVISION", wideOnly: true, alignRight: true, cell: (m) => known(m.revision) },
];

/** "cluster edge (ID …): healthy, 3 members, leader etcd-1"; the leader's name cut to fit the width. */
function summary(report: StatusReport, width: number | undefined): string {
  const members = report.members.filter((m) => m.isMember).length;
  const id = report.clusterId ? ` (ID ${report.clusterId})` : "";
  const head = printable(`cluster ${report.cluster}${id}: ${report.healthy ? "healthy" : "NOT HEALTHY"}, ${members} member${members === 1 ? "" : "s"}, `);
  if (report.leader === null) return `${head}no leader`;
  const leader = printable(report.leader);
  return `${head}leader ${width === undefined ? leader : elideMiddle(leader, Math.max(width - head.length - "leader ".length, 12))}`;
}

export function formatStatusReport(report: StatusReport, wide: boolean): string {
  const fit = (line: string) => (wide ? [line] : wrapText(line, TERMINAL_WIDTH, "", "  ", true));
  const columns = COLUMNS.filter((c) => wide || !c.wideOnly);
  const table = formatTable(columns, report.members.map((m) => columns.map((c) => c.cell(m))), wide ? undefined : TERMINAL_WIDTH);
  const problems = report.members.flatMap((m) => m.problems.flatMap((p) => fit(printable(`${label(m)}: ${p}`))));
  if (report.alarmsUnread) problems.push(...fit(printable(`alarms could not be read: ${report.alarmsUnread}`)));
  return [...fit(summary(report, wide ? undefined : TERMINAL_WIDTH)), table, ...(problems.length > 0 ? ["", ...problems] : [])].join("\n");
}
