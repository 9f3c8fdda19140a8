/** What the operator asked of a restore: the command line parses it, the command and the screen follow it. */
export type RestoreOptions = {
  file: string | undefined;
  noSafetyDump: boolean;
  /** true: start Orthanc after; false: leave it stopped; undefined: ask (terminal) or leave stopped. */
  start: boolean | undefined;
};
