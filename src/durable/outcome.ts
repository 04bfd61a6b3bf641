/**
 * Something that reached a workflow from outside, before it is journaled: the answer to step
 * `step` (or, with step -1, a signal or a cancel). `record` marks entries the workflow never
 * receives (a sleep's deadline, a `patched` marker). `value` is JSON text already: encoding
 * happens where the outcome arrives, so a value JSON cannot carry fails that step at once.
 */
export interface Outcome {
  step: number;
  kind: string;
  ok: boolean;
  value: string;
  record?: boolean;
  /** The inbox item this outcome moves into the journal. */
  inboxSeq?: number;
  /** Called once the outcome is committed (or with the error if the write failed). */
  done?: (error?: unknown) => void;
}
