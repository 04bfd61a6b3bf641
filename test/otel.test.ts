import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { context, trace, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Scheduler, VirtualClock, call, fork, getTid, kill, sleep, submitIO, wait } from "../src/index.js";
import { instrument } from "../src/otel/index.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer: Tracer = provider.getTracer("test");
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(() => {
  contextManager.disable();
  context.disable();
});
afterEach(() => exporter.reset());

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
const named = (name: string): ReadableSpan => {
  const found = spans().filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected one span "${name}", got ${found.length} among ${spans().map((s) => s.name).join(", ")}`);
  return found[0];
};
const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;
const idOf = (s: ReadableSpan): string => s.spanContext().spanId;

const virtual = () => new Scheduler({ clock: new VirtualClock() });

describe("otel", () => {
  it("makes a span per task, parented along the process tree, with tid, name and status", async () => {
    const sched = virtual();
    instrument(sched, { tracer });
    sched.spawn(function* main() {
      const kid = yield* fork(function* worker() {
        yield* wait(yield* fork(function* leaf() {
          yield* sleep(5);
          return 1;
        }));
      });
      yield* wait(kid);
    });
    await sched.run();
    const [main, worker, leaf] = [named("task main"), named("task worker"), named("task leaf")];
    expect(parentOf(main)).toBeUndefined();
    expect(parentOf(worker)).toBe(idOf(main));
    expect(parentOf(leaf)).toBe(idOf(worker));
    expect(leaf.spanContext().traceId).toBe(main.spanContext().traceId);
    expect(leaf.attributes).toMatchObject({ "yieldos.task.tid": 3, "yieldos.task.name": "leaf", "yieldos.task.parent": 2, "yieldos.task.status": "exited" });
    expect(main.attributes["yieldos.scheduler.id"]).toBe(sched.id);
  });

  it("parents a root task's span on the context active where it was spawned", async () => {
    const sched = virtual();
    instrument(sched, { tracer });
    tracer.startActiveSpan("request", (request) => {
      sched.spawn(function* handler() {
        yield* sleep(1);
      });
      request.end();
    });
    await sched.run();
    expect(parentOf(named("task handler"))).toBe(idOf(named("request")));
  });

  it("makes a span per ring op under its task's span, with type, seq, outcome and duration", async () => {
    const sched = virtual();
    sched.ring.register("boom", (requests) => {
      for (const r of requests) r.fail(new Error("boom failed"));
    });
    instrument(sched, { tracer });
    sched.spawn(function* io() {
      yield* submitIO({ type: "timeout", ms: 50 });
      try {
        yield* submitIO({ type: "boom" });
      } catch {}
      try {
        yield* submitIO({ type: "timeout", ms: 1_000 }, { timeout: 10 });
      } catch {}
    });
    await sched.run();
    const task = named("task io");
    const ops = spans().filter((s) => s.name.startsWith("op "));
    expect(ops.map((s) => [s.name, s.attributes["yieldos.op.seq"], s.attributes["yieldos.op.outcome"], s.attributes["yieldos.op.duration_ms"]])).toEqual([
      ["op timeout", 1, "ok", 50],
      ["op boom", 2, "error", 0],
      ["op timeout", 3, "timeout", 10],
    ]);
    for (const op of ops) expect(parentOf(op)).toBe(idOf(task));
    expect(ops[1].status).toEqual({ code: 2, message: "boom failed" });
    expect(ops[1].events.map((e) => e.name)).toEqual(["exception"]);
    expect(ops[0].attributes["yieldos.op.type"]).toBe("timeout");
  });

  it("records syscalls and kills as events on the task's span, and marks cancelled ops", async () => {
    const sched = virtual();
    instrument(sched, { tracer });
    sched.spawn(function* boss() {
      yield* getTid();
      const victim = yield* fork(function* victim() {
        yield* submitIO({ type: "timeout", ms: 1_000 });
      });
      yield* sleep(10);
      yield* kill(victim, "not needed");
    });
    await sched.run();
    expect(named("task boss").events.map((e) => e.name)).toEqual(["GetTid", "Fork", "Sleep", "Kill"]);
    expect(named("task boss").events[2].attributes).toEqual({ "yieldos.time": 0 });
    const victim = named("task victim");
    expect(victim.events.map((e) => e.name)).toEqual(["SubmitIO", "kill"]);
    expect(victim.events[1].attributes).toEqual({ "yieldos.kill.reason": 'task #2 "victim" was killed: not needed', "yieldos.time": 10 });
    expect(victim.attributes["yieldos.task.status"]).toBe("killed");
    expect(named("op timeout").attributes["yieldos.op.outcome"]).toBe("cancelled");
  });

  it("marks a failed task's span as an error with the exception", async () => {
    const sched = virtual();
    instrument(sched, { tracer });
    const t = sched.spawn(function* broken() {
      yield* sleep(1);
      throw new Error("bad input");
    });
    await sched.run().catch(() => {});
    await t.done.catch(() => {});
    const span = named("task broken");
    expect(span.status).toEqual({ code: 2, message: "bad input" });
    expect(span.attributes["yieldos.task.status"]).toBe("failed");
    expect(span.events.map((e) => e.name)).toEqual(["Sleep", "exception"]);
  });

  describe("with a loopback HTTP server", () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      server = createServer((_req, res) => res.end("pong"));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("makes the op's span active inside call(fn), so a fetch instrumentation's span nests under the op", async () => {
      // What a fetch instrumentation does: a span in the active context around the request.
      const tracedFetch = (target: string, signal: AbortSignal) =>
        tracer.startActiveSpan("GET", async (span) => {
          try {
            const res = await fetch(target, { signal });
            const body = await res.text();
            span.setAttribute("http.response.status_code", res.status);
            return { body, activeAfterAwait: trace.getActiveSpan() === span };
          } finally {
            span.end();
          }
        });
      const sched = new Scheduler();
      instrument(sched, { tracer });
      const op = { type: "call" as const, fn: (signal: AbortSignal) => tracedFetch(url, signal) };
      const t = sched.spawn(function* agent() {
        return yield* submitIO(op);
      });
      await sched.run();
      expect(await t.done).toEqual({ body: "pong", activeAfterAwait: true });
      const get = named("GET");
      expect(parentOf(get)).toBe(idOf(named("op call")));
      expect(parentOf(named("op call"))).toBe(idOf(named("task agent")));
      expect(get.attributes["http.response.status_code"]).toBe(200);
      // The op gets its own function back once it completes.
      expect(op.fn.name).toBe("fn");
    });

    it("keeps a call's fn without a signal parameter signal-free, and the op's span active in it", async () => {
      const sched = virtual();
      instrument(sched, { tracer });
      const t = sched.spawn(function* quick() {
        return yield* call(function () {
          // eslint-disable-next-line prefer-rest-params
          return { args: arguments.length, span: trace.getActiveSpan()?.spanContext().spanId };
        });
      });
      await sched.run();
      expect(await t.done).toEqual({ args: 0, span: idOf(named("op call")) });
    });
  });

  it("uninstall() removes every listener and ends the spans still open", async () => {
    const sched = virtual();
    const before = sched.eventNames().length;
    const tracing = instrument(sched, { tracer });
    expect(sched.listenerCount("spawn")).toBe(1);
    sched.spawn(function* pending() {
      yield* sleep(5);
    });
    tracing.uninstall();
    expect(sched.eventNames().length).toBe(before);
    expect(named("task pending").attributes["yieldos.otel.uninstalled"]).toBe(true);
    await sched.run();
    expect(spans()).toHaveLength(1);
  });

  it("leaves out syscall events with syscalls: false and adds opAttributes", async () => {
    const sched = virtual();
    instrument(sched, { tracer, syscalls: false, opAttributes: (op) => ({ "app.ms": Number(op.ms) }) });
    sched.spawn(function* quiet() {
      yield* sleep(1);
      yield* submitIO({ type: "timeout", ms: 7 });
    });
    await sched.run();
    expect(named("task quiet").events).toEqual([]);
    expect(named("op timeout").attributes["app.ms"]).toBe(7);
  });
});
