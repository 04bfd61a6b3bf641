import type { EventEmitter } from "eventemitter3";
import type { IoOp, Completion } from "../io/types.js";
import type { Syscall } from "../syscalls/syscall.js";
import type { KernelEvents, SchedulerEvents } from "./events.js";
import type { Kernel } from "./kernel.js";
import type { Task } from "./task.js";
import type { TaskStatus } from "./types.js";

/**
 * The kernel's hooks as a scheduler's events. A payload is built only when someone listens; a
 * listener that throws is reported through `error` (or kept for `run()`), and the loop goes on.
 */
export function kernelEvents(emitter: EventEmitter<SchedulerEvents>, kernel: () => Kernel): KernelEvents {
  // eventemitter3 keeps a count of events with listeners: with none at all, skip the lookup.
  const counted = emitter as unknown as { _eventsCount: number };
  const has = (e: keyof SchedulerEvents) => counted._eventsCount !== 0 && emitter.listenerCount(e) > 0;
  const now = () => kernel().clock.now();
  const report = (error: unknown, source: string): boolean => {
    if (emitter.listenerCount("error") === 0) return false;
    try {
      emitter.emit("error", error, source);
    } catch {
      // An `error` listener that throws has nowhere left to report to.
    }
    return true;
  };
  const emit = <E extends keyof SchedulerEvents>(event: E, ...args: Parameters<SchedulerEvents[E]>): void => {
    try {
      (emitter.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
    } catch (error) {
      kernel().report(error, `a "${event}" listener threw`);
    }
  };
  return {
    spawned: (t: Task, time: number) => {
      if (has("spawn")) emit("spawn", t.tid, { tid: t.tid, name: t.name, parent: t.parent, priority: t.priority, time });
    },
    exited: (t: Task) => {
      if (has("exit")) emit("exit", t.tid, { tid: t.tid, name: t.name, status: t.status as "exited", result: t.result, time: now() });
    },
    killed: (t: Task, reason: Error) => {
      if (has("kill")) emit("kill", t.tid, reason, now());
    },
    running: (t: Task) => emit("run", t.tid, now()),
    woken: (t: Task, from: TaskStatus, ok: boolean, value: unknown) => emit("wake", t.tid, { from, ok, value, time: now() }),
    wants: (e: "run" | "wake") => has(e),
    syscall: (t: Task, s: Syscall<unknown>) => {
      if (has("syscall")) emit("syscall", t.tid, s, now());
    },
    ioSubmitted: (t: Task, seq: number, op: IoOp) => {
      if (has("io:submit")) emit("io:submit", t.tid, { tid: t.tid, seq, op, time: now() });
    },
    ioCompleted: (t: Task, c: Completion) => {
      if (has("io:complete")) emit("io:complete", t.tid, c);
    },
    reportError: report,
  };
}
