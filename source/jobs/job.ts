/** A multi-step job is data: steps run in order by one runner, rendered by Ink or as plain lines. */
export type Progress = {
  /** Amount done and, when known, the total, in `unit`. */
  done?: number;
  total?: number;
  unit?: 'bytes' | 'items';
  /**
   * The share done (0..1) when done/total are not proportional to the work, e.g. a dump's tables
   * weighted by their sizes: the bar, the percentage and the ETA follow it instead.
   */
  fraction?: number;
  /** Bytes written so far, when done/total count something else (e.g. the dump's tables). */
  written?: number;
  /** A short free-text detail, e.g. "table 12 of 40: public.resources". */
  detail?: string;
};

export type StepContext = {
  signal: AbortSignal;
  progress(update: Progress): void;
  /** A line worth keeping in a log (shown under the step). */
  log(line: string): void;
};

export type StepOutcome = {
  /** One line shown next to the finished step, e.g. "124 MB in 9.2 s". */
  summary?: string;
};

export type Step = {
  id: string;
  title: string;
  // biome-ignore lint/suspicious/noConfusingVoidType: steps that report nothing return void
  run(context: StepContext): Promise<StepOutcome | undefined | void>;
};

export type Job = {
  title: string;
  steps: Step[];
  /**
   * Says where things stand when the job stops early, e.g. "services stopped, database empty".
   * `stoppedAt` is the id of the step that failed or was interrupted.
   */
  describeState?(stoppedAt: string, outcome: 'failed' | 'interrupted'): string | undefined;
  /** The line printed after a successful run. */
  successSummary?(): string | undefined;
  /** Runs once after the job ends, however it ends (e.g. releases the lock its first step took). */
  cleanup?(): Promise<void>;
};

/** Thrown by a step to be shown as skipped instead of done. */
export class SkipStep extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SkipStep';
  }
}

export type JobEvent =
  | { type: 'job-started'; title: string; steps: Array<{ id: string; title: string }>; at: number }
  | { type: 'step-started'; id: string; title: string; at: number }
  | { type: 'step-progress'; id: string; progress: Progress; startedAt: number; at: number }
  | { type: 'step-log'; id: string; line: string; at: number }
  | {
      type: 'step-finished';
      id: string;
      title: string;
      durationMs: number;
      summary: string | undefined;
      at: number;
    }
  | { type: 'step-skipped'; id: string; title: string; reason: string; at: number }
  | {
      type: 'step-failed';
      id: string;
      title: string;
      durationMs: number;
      error: string;
      interrupted: boolean;
      at: number;
    }
  | { type: 'job-finished'; result: JobResult; at: number };

export type JobResult = {
  outcome: 'succeeded' | 'failed' | 'interrupted';
  durationMs: number;
  /** The step that failed or was interrupted. */
  stoppedAt?: { id: string; title: string };
  error?: string;
  exitCode: number;
  /** Where things stand, after a failure or interruption; the success line otherwise. */
  state?: string;
};
