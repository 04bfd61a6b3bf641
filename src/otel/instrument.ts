import type { Attributes, Context, Span, Tracer } from "@opentelemetry/api";
import { OpCancelledError, TimeoutError, describeValue } from "../errors.js";
import type { Completion, CallOp, IoOp } from "../io/types.js";
import type { ExitEvent, IoSubmitEvent, SchedulerEvents, SpawnEvent } from "../kernel/events.js";
import type { Scheduler } from "../kernel/scheduler.js";
import type { Syscall } from "../syscalls/syscall.js";
import { restoreCall, runCallIn } from "./call-context.js";
import { SpanStatusCode, context, trace } from "./peer.js";

/**
 * Options of {@link instrument}.
 *
 * @example
 * ```ts
 * instrument(sched, { tracer: provider.getTracer("my-app"), syscalls: false });
 * ```
 */
export interface InstrumentOptions {
  /** Where spans go. Default `trace.getTracer("yieldos")` of the global tracer provider. */
  tracer?: Tracer;
  /** The parent of root tasks' spans. Default: the context active where `spawn` is called. */
  parent?: Context;
  /** Record each syscall a task yields as an event on its span. Default `true`. */
  syscalls?: boolean;
  /**
   * Extra attributes of an op's span, from its op. Default: `server` and `tool` of `mcp.call`
   * ops. Other fields are not recorded unless you say so: they may hold prompts or secrets.
   */
  opAttributes?: (op: IoOp) => Attributes | undefined;
}

/**
 * What {@link instrument} returns: `uninstall()` removes its listeners and ends the spans still
 * open (marked `yieldos.otel.uninstalled`).
 *
 * @example
 * ```ts
 * const tracing = instrument(sched);
 * await sched.run();
 * tracing.uninstall();
 * ```
 */
export interface Instrumentation {
  uninstall(): void;
}

interface OpenOp {
  span: Span;
  /** The `call` op whose `fn` runs in the op's context, and its own `fn` to put back. */
  call?: CallOp;
  fn?: CallOp["fn"];
}

const defaultOpAttributes = (op: IoOp): Attributes | undefined =>
  op.type === "mcp.call" ? { "yieldos.mcp.server": String(op.server), "yieldos.mcp.tool": String(op.tool) } : undefined;

/**
 * Traces a scheduler with OpenTelemetry, from its public events only (a scheduler nobody
 * instruments pays nothing): a span per task (`task <name>`), parented along the process tree;
 * a span per ring op a task submits (`op <type>`), under its task's span, with its type, seq,
 * outcome (`ok`, `error`, `timeout`, `cancelled`) and duration; syscalls and kills as events on
 * the task's span. Inside `call(fn)` the op's span is the active context, so spans that `fn`
 * starts (a `fetch` instrumentation's, say) nest under the op. Register a context manager
 * (`AsyncLocalStorageContextManager` on Node) for that to reach past `fn`'s first `await`.
 *
 * @example
 * ```ts
 * import { instrument } from "yieldos/otel";
 * const sched = new Scheduler();
 * instrument(sched);
 * sched.spawn(function* main() {
 *   yield* fork(function* worker() { yield* call(() => fetch(url)); });
 * });
 * await sched.run(); // spans: task main > task worker > op call > (fetch's own span)
 * ```
 */
export function instrument(sched: Scheduler, options: InstrumentOptions = {}): Instrumentation {
  if (options === null || typeof options !== "object") throw new TypeError(`instrument options must be an object, got ${describeValue(options)}`);
  const tracer = options.tracer ?? trace.getTracer("yieldos");
  const opAttributes = options.opAttributes ?? defaultOpAttributes;
  const tasks = new Map<number, { span: Span; ctx: Context }>();
  const ops = new Map<number, OpenOp>();
  const id = sched.id;

  const listeners: Partial<{ [E in keyof SchedulerEvents]: SchedulerEvents[E] }> = {
    spawn: (tid: number, e: SpawnEvent) => {
      const parent = e.parent === null ? (options.parent ?? context.active()) : (tasks.get(e.parent)?.ctx ?? context.active());
      const attributes: Attributes = { "yieldos.scheduler.id": id, "yieldos.task.tid": tid, "yieldos.task.name": e.name, "yieldos.task.priority": e.priority };
      if (e.parent !== null) attributes["yieldos.task.parent"] = e.parent;
      const span = tracer.startSpan(`task ${e.name}`, { attributes }, parent);
      tasks.set(tid, { span, ctx: trace.setSpan(parent, span) });
    },
    exit: (tid: number, e: ExitEvent) => {
      const task = tasks.get(tid);
      if (task === undefined) return;
      tasks.delete(tid);
      task.span.setAttribute("yieldos.task.status", e.status);
      if (e.status === "failed") fail(task.span, e.result);
      task.span.end();
    },
    kill: (tid: number, reason: Error, time: number) => {
      tasks.get(tid)?.span.addEvent("kill", { "yieldos.kill.reason": reason.message, "yieldos.time": time });
    },
    "io:submit": (tid: number, e: IoSubmitEvent) => {
      const parent = tasks.get(tid)?.ctx ?? context.active();
      const attributes: Attributes = { "yieldos.scheduler.id": id, "yieldos.op.type": e.op.type, "yieldos.op.seq": e.seq, "yieldos.task.tid": tid };
      const extra = opAttributes(e.op);
      if (extra !== undefined) Object.assign(attributes, extra);
      const span = tracer.startSpan(`op ${e.op.type}`, { attributes }, parent);
      const open: OpenOp = { span };
      if (e.op.type === "call" && typeof e.op.fn === "function") {
        open.call = e.op as CallOp;
        open.fn = runCallIn(open.call, trace.setSpan(parent, span));
      }
      ops.set(e.seq, open);
    },
    "io:complete": (_tid: number, c: Completion) => {
      const open = ops.get(c.seq);
      if (open === undefined) return;
      ops.delete(c.seq);
      if (open.call !== undefined) restoreCall(open.call, open.fn!);
      const outcome = c.ok ? "ok" : c.error instanceof OpCancelledError ? "cancelled" : c.error instanceof TimeoutError ? "timeout" : "error";
      if (Number.isNaN(c.startedAt)) open.span.setAttribute("yieldos.op.outcome", outcome);
      else {
        open.span.setAttributes({
          "yieldos.op.outcome": outcome,
          "yieldos.op.duration_ms": c.completedAt - c.startedAt,
          "yieldos.op.queued_ms": c.startedAt - c.submittedAt,
        });
      }
      if (outcome === "error" || outcome === "timeout") fail(open.span, c.error);
      open.span.end();
    },
  };
  if (options.syscalls !== false) {
    listeners.syscall = (tid: number, s: Syscall<unknown>, time: number) => {
      tasks.get(tid)?.span.addEvent(s.constructor.name, { "yieldos.time": time });
    };
  }
  for (const [event, fn] of Object.entries(listeners)) sched.on(event as keyof SchedulerEvents, fn as never);

  return {
    uninstall() {
      for (const [event, fn] of Object.entries(listeners)) sched.off(event as keyof SchedulerEvents, fn as never);
      for (const open of ops.values()) {
        if (open.call !== undefined) restoreCall(open.call, open.fn!);
        open.span.setAttribute("yieldos.otel.uninstalled", true);
        open.span.end();
      }
      for (const task of tasks.values()) {
        task.span.setAttribute("yieldos.otel.uninstalled", true);
        task.span.end();
      }
      ops.clear();
      tasks.clear();
    },
  };
}

function fail(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
