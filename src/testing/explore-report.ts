import type { StepRecord } from "./choices.js";
import { brief } from "./describe.js";

/** The last lines of a failing trace shown in a report; the full trace is in `failure.lines`. */
const TAIL = 40;
/** Interleaving groups shown before the middle is cut. */
const GROUPS = 40;

/** Everything a failure report says. */
export interface ReportInput {
  seed: number;
  run: number;
  runs: number;
  error: unknown;
  /** How to replay the failing run, e.g. `replay(program, 5)`, and what it is the same as. */
  replay: string;
  strategy: string;
  shrunk: { schedule: string; deviations: number; replays: number; error: unknown; lines: string[]; steps: StepRecord[]; names: Map<number, string> } | null;
  lines: string[];
}

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : brief(error);
}

/**
 * The interleaving as one line per stretch of a task's consecutive steps, counting the steps
 * where the schedule did not take the FIFO choice (`*`), from a little before the first such
 * stretch to the end; a long middle is cut.
 */
export function interleaving(steps: readonly StepRecord[], names: Map<number, string>): string[] {
  const who = (tid: number) => `#${tid} ${names.get(tid) ?? "?"}`;
  const groups: string[] = [];
  let firstDeviation = -1;
  for (let i = 0; i < steps.length; ) {
    let j = i;
    let off = 0;
    let fifo = -1;
    for (; j < steps.length && steps[j].tid === steps[i].tid; j++) {
      if (steps[j].tid !== steps[j].fifo) {
        off++;
        if (fifo < 0) fifo = steps[j].fifo;
      }
    }
    if (off > 0 && firstDeviation < 0) firstDeviation = groups.length;
    const span = j - i > 1 ? `steps ${i + 1}-${j}` : `step ${i + 1}`;
    const note = off === 0 ? "" : j - i > 1 ? `  (${off} not FIFO; FIFO was ${who(fifo)})` : `  (FIFO was ${who(fifo)})`;
    groups.push(`${off > 0 ? "*" : " "} ${span}: ${who(steps[i].tid)}${note}`);
    i = j;
  }
  let shown = groups.slice(Math.max(0, firstDeviation - 3));
  const before = groups.length - shown.length;
  if (shown.length > GROUPS) shown = [...shown.slice(0, GROUPS / 2), `  … ${shown.length - GROUPS} more …`, ...shown.slice(-GROUPS / 2)];
  return before > 0 ? [`  … ${before} earlier stretches in FIFO order …`, ...shown] : shown;
}

/** The lines up to (and including) the first failure, where the interleaving that matters ends. */
export function upToFailure(lines: readonly string[]): readonly string[] {
  const at = lines.findIndex((line) => / exit failed | wake \S+ error /.test(line));
  return at < 0 ? lines : lines.slice(0, at + 1);
}

function tail(title: string, lines: readonly string[]): string[] {
  const shown = lines.slice(-TAIL);
  const skipped = lines.length - shown.length;
  return [`${title}${skipped > 0 ? ` (last ${TAIL} of ${lines.length} lines)` : ""}:`, ...shown.map((line) => `  ${line}`)];
}

/** The text of `failure.report`: error, strategy and replay call, the shrunk schedule with its interleaving, a trace tail. */
export function formatReport(r: ReportInput): string {
  const out = [
    `explore: seed ${r.seed} (run ${r.run + 1} of ${r.runs}) failed: ${errorText(r.error)}`,
    `replay it with ${r.replay}; strategy ${r.strategy}.`,
  ];
  if (r.shrunk === null) {
    out.push(...tail("Trace", r.lines));
    return out.join("\n");
  }
  const s = r.shrunk;
  const same = errorText(s.error) === errorText(r.error) ? "the same way" : `with ${errorText(s.error)}`;
  out.push(
    `Shrunk in ${s.replays} replays to ${s.deviations} deviation${s.deviations === 1 ? "" : "s"} from FIFO order, failing ${same}: replay(program, ${JSON.stringify(s.schedule)}).`,
    `The interleaving that matters (* = not the FIFO choice):`,
    ...interleaving(s.steps, s.names).map((line) => `  ${line}`),
    ...tail("Trace of the shrunk run up to the first failure", upToFailure(s.lines)),
  );
  return out.join("\n");
}
