/**
 * The history room: the run record (history.jsonl), the anomaly guard and its chart. Other rooms
 * (drill, prune, restore, images) use only what is exported here.
 */
export { type AnomalyThresholds, describeAnomaly, dumpStem } from './anomaly.ts';
export { type AnomalySettings, readAnomalySettings } from './anomaly-settings.ts';
export {
  acknowledgeAnomaly,
  assertNoUnacknowledgedAnomaly,
  countOrthancInstances,
  operatorName,
  recordBackupRun,
  recordInstanceBaseline,
  unacknowledgedAnomaly,
} from './guard.ts';
export {
  type AnomalyReason,
  appendHistory,
  type HistoryEntry,
  type HistoryKind,
  historyCap,
  historyFile,
  readHistory,
} from './history-file.ts';
