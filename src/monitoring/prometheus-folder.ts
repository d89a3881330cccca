// The cluster's prometheus/ folder: scrape jobs, file_sd targets, alerting rules and notes.
// Public files only: the TLS job names certificate paths on the Prometheus server, never a key.

import type { Spec } from "../spec/types.js";
import { renderAlertRules } from "./alert-rules.js";
import { renderPrometheusNotes } from "./notes.js";
import { renderFileSdJob, renderFileSdTargets, renderScrapeJob } from "./scrape-config.js";

export const PROMETHEUS_FOLDER = "prometheus";

export function prometheusFiles(spec: Spec): { path: string; content: string }[] {
  return [
    { path: "README.md", content: renderPrometheusNotes(spec) },
    { path: "etcd-alerts.yml", content: renderAlertRules(spec) },
    { path: "file-sd-job.yml", content: renderFileSdJob(spec) },
    { path: "scrape-job.yml", content: renderScrapeJob(spec) },
    { path: "targets.json", content: renderFileSdTargets(spec) },
  ].map((file) => ({ ...file, path: `${PROMETHEUS_FOLDER}/${file.path}` }));
}
