import type { Scheduler } from "../kernel/scheduler.js";
import type { SchedulerEvents } from "../kernel/events.js";
import { describeSyscall } from "./describe.js";
import { formatTraceEvent, matcher, type TraceEvent, type TraceFilter } from "./trace-event.js";

type Listeners = { [E in keyof SchedulerEvents]?: SchedulerEvents[E] };

/** How a step of a recovered durable workflow that came from its journal ends its trace line. */
const REPLAYED = "(replayed)";

/**
 * A recording of one scheduler's events, made by {@link recordTrace}. It listens to the
 * scheduler's typed events only, so a scheduler without a recorder pays nothing for it.
 *
 * @example
 * ```ts
 * const trace = recordTrace(sched);
 * await sched.run();
 * trace.stop();
 * expect(trace.lines({ task: "worker", kind: "syscall" })).toMatchInlineSnapshot();
 * ```
 */
export class Trace {
  /** The traced scheduler's `id`. */
  readonly scheduler: string;
  readonly #events: TraceEvent[] = [];
  readonly #names = new Map<number, string>();
  #detach: (() => void) | null;

  /** @internal Use {@link recordTrace}. */
  constructor(sched: Scheduler) {
    this.scheduler = sched.id;
    for (const t of sched.ps()) this.#names.set(t.tid, t.name);
    const listeners = this.#listeners(sched);
    // The listener map is typed per event above; attaching it by name needs the untyped view.
    const emitter = sched as unknown as { on(e: string, fn: unknown): void; off(e: string, fn: unknown): void };
    const entries = Object.entries(listeners);
    for (const [event, fn] of entries) emitter.on(event, fn);
    this.#detach = () => {
      for (const [event, fn] of entries) emitter.off(event, fn);
    };
  }

  /** A copy of the recorded events, in the order they happened. */
  get events(): TraceEvent[] {
    return this.#events.map((e) => ({ ...e }));
  }

  /** Whether the recorder is still attached. */
  get recording(): boolean {
    return this.#detach !== null;
  }

  /**
   * The events as stable text lines, `t=<time> #<tid> <name> <what>`, optionally filtered by
   * task (tid or name) and by kind. Made for `toMatchInlineSnapshot()`.
   *
   * @example
   * ```ts
   * trace.lines({ task: 2, omit: "run" });
   * // ["t=0 #2 worker spawn by #1", "t=0 #2 worker sleep 5", "t=5 #2 worker wake sleeping", ...]
   * ```
   */
  lines(filter?: TraceFilter): string[] {
    const keep = matcher(filter);
    const out: string[] = [];
    for (const e of this.#events) if (keep(e)) out.push(formatTraceEvent(e));
    return out;
  }

  /** Detaches the recorder from the scheduler; the events recorded so far stay. Idempotent. */
  stop(): void {
    this.#detach?.();
    this.#detach = null;
  }

  #name(tid: number): string {
    return this.#names.get(tid) ?? "?";
  }

  #push(e: TraceEvent): void {
    this.#events.push(e);
  }

  #listeners(sched: Scheduler): Listeners {
    const now = () => sched.now();
    return {
      spawn: (tid, e) => {
        this.#names.set(tid, e.name);
        // A fork's child is spawned inside the parent's `fork` syscall: name it there.
        const last = this.#events[this.#events.length - 1];
        if (last?.kind === "syscall" && last.call === "fork" && last.args === "" && last.tid === e.parent) {
          last.args = `#${tid} ${e.name}`;
        }
        this.#push({ kind: "spawn", t: e.time, tid, name: e.name, parent: e.parent, priority: e.priority });
      },
      run: (tid, t) => this.#push({ kind: "run", t, tid, name: this.#name(tid) }),
      syscall: (tid, syscall, t) => {
        const [call, args] = describeSyscall(syscall);
        this.#push({ kind: "syscall", t, tid, name: this.#name(tid), call, args });
      },
      wake: (tid, e) => {
        // A syscall that succeeded at once shows as the task's next `run`; keep failures.
        if (e.from === "running" && e.ok) return;
        this.#push({ kind: "wake", t: e.time, tid, name: this.#name(tid), from: e.from, ok: e.ok, value: e.value });
      },
      // A durable workflow's step answered from its journal without the kernel: shown as the
      // syscall it was, marked like the steps replayed through the kernel.
      replayed: (tid, e) => this.#push({ kind: "syscall", t: e.time, tid, name: this.#name(tid), call: e.call, args: e.args === "" ? REPLAYED : `${e.args} ${REPLAYED}` }),
      kill: (tid, reason, t) => this.#push({ kind: "kill", t, tid, name: this.#name(tid), reason }),
      exit: (tid, e) => this.#push({ kind: "exit", t: e.time, tid, name: e.name, status: e.status, result: e.result }),
      "io:submit": (tid, e) => this.#push({ kind: "io:submit", t: e.time, tid, name: this.#name(tid), seq: e.seq, op: e.op.type }),
      "io:complete": (tid, c) =>
        this.#push({
          kind: "io:complete",
          t: now(),
          tid,
          name: this.#name(tid),
          seq: c.seq,
          op: c.type,
          ok: c.ok,
          value: c.ok ? c.value : c.error,
        }),
    };
  }
}

/**
 * Starts recording `sched`'s events: spawns, run slices, syscalls with their arguments,
 * wake-ups (from sleep, wait, I/O, custom syscalls), I/O submissions and completions, kills and
 * exits, each with clock time, tid and task name. Works on any scheduler; `stop()` detaches. On
 * a durable workflow recovered by `yieldos/durable`, the steps answered from its journal show as
 * the syscalls they were, their lines ending in `(replayed)` (`submitIO call (replayed)`).
 *
 * @example
 * ```ts
 * const sched = new Scheduler({ clock: new VirtualClock() });
 * const trace = recordTrace(sched);
 * sched.spawn(function* worker() { yield* sleep(5); });
 * await sched.run();
 * trace.lines({ omit: "run" });
 * // ["t=0 #1 worker spawn", "t=0 #1 worker sleep 5", "t=5 #1 worker wake sleeping", "t=5 #1 worker exit exited"]
 * ```
 */
export function recordTrace(sched: Scheduler): Trace {
  return new Trace(sched);
}
