import { describe, expect, it } from "vitest";
import { demo } from "../examples/pyos-demo.js";
import { fork, sleep, submitIO, wait } from "../src/index.js";
import { createTestScheduler, toPerfetto, type PerfettoEvent, type PerfettoTrace } from "../src/testing/index.js";

/** Checks what ui.perfetto.dev needs of a Chrome Trace Event JSON; returns the parsed events. */
function checkStructure(trace: PerfettoTrace): PerfettoEvent[] {
  const parsed = JSON.parse(JSON.stringify(trace)) as PerfettoTrace;
  expect(parsed).toEqual(trace);
  expect(parsed.displayTimeUnit).toBe("ms");
  const events = parsed.traceEvents;
  for (const e of events) {
    expect(typeof e.name).toBe("string");
    expect(["M", "X", "i"]).toContain(e.ph);
    expect(Number.isInteger(e.pid)).toBe(true);
    expect(Number.isInteger(e.tid)).toBe(true);
    expect(Number.isFinite(e.ts) && e.ts >= 0).toBe(true);
    if (e.ph === "X") expect(Number.isFinite(e.dur) && e.dur! >= 0).toBe(true);
    if (e.ph === "i") expect(e.s).toBe("t");
  }
  // Spans on one track must nest: each starts after the previous one ends, or lies inside it.
  const tracks = new Map<number, PerfettoEvent[]>();
  for (const e of events) if (e.ph === "X") tracks.set(e.tid, [...(tracks.get(e.tid) ?? []), e]);
  for (const spans of tracks.values()) {
    const stack: PerfettoEvent[] = [];
    for (const s of [...spans].sort((a, b) => a.ts - b.ts || b.dur! - a.dur!)) {
      while (stack.length > 0 && s.ts >= stack[stack.length - 1].ts + stack[stack.length - 1].dur!) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent !== undefined) expect(s.ts + s.dur!).toBeLessThanOrEqual(parent.ts + parent.dur!);
      stack.push(s);
    }
  }
  return events;
}

const names = (events: PerfettoEvent[]) =>
  Object.fromEntries(events.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => [e.tid, e.args!.name]));

describe("toPerfetto", () => {
  it("exports one named track per task with state spans in microseconds and syscalls as instants", async () => {
    const { sched, trace } = createTestScheduler({ io: { llm: { latency: 30_000, result: "ok" } } });
    sched.spawn(function* main() {
      const kid = yield* fork(function* () {
        yield* sleep(100);
      }, { name: "sleeper" });
      yield* submitIO({ type: "llm" });
      yield* wait(kid);
    }, { name: "main" });
    await sched.run();
    const events = checkStructure(toPerfetto(trace, { pid: 7 }));
    expect(events.every((e) => e.pid === 7)).toBe(true);
    expect(names(events)).toEqual({ 1: "#1 main", 2: "#2 sleeper" });
    expect(events.find((e) => e.name === "process_name")!.args!.name).toBe(`yieldos scheduler ${sched.id}`);
    const spans = events.filter((e) => e.ph === "X").map((e) => [e.tid, e.name, e.cat, e.ts, e.dur]);
    expect(spans).toContainEqual([2, "sleep 100", "sleeping", 0, 100_000]);
    expect(spans).toContainEqual([1, "submitIO llm", "io", 0, 30_000_000]);
    expect(spans).toContainEqual([1, "running", "running", 30_000_000, 0]);
    const instants = events.filter((e) => e.ph === "i").map((e) => `${e.ts} ${e.tid} ${e.cat}: ${e.name}`);
    expect(instants).toContain("0 2 syscall: sleep 100");
    expect(instants).toContain("0 1 io:submit: io:submit #1 llm");
    expect(instants).toContain('30000000 1 io:complete: io:complete #1 llm -> "ok"');
    expect(instants).toContain("30000000 1 exit: exit exited");
    expect(events.find((e) => e.cat === "io:complete")!.args).toEqual({ seq: 1, op: "llm" });
  });

  it("exports the main demo's trace as a loadable trace with a track per demo task", async () => {
    const { sched, trace } = demo();
    await sched.run();
    const events = checkStructure(toPerfetto(trace));
    expect(names(events)).toEqual({ 1: "#1 main", 2: "#2 alpha", 3: "#3 beta", 4: "#4 fetcher" });
    const spans = events.filter((e) => e.ph === "X");
    expect(spans.filter((e) => e.tid === 2 && e.name === "sleep 100").map((e) => e.ts)).toEqual([0, 100_000, 200_000]);
    expect(spans.find((e) => e.tid === 1 && e.name === "wait #2")).toMatchObject({ ts: 0, dur: 300_000, cat: "waiting" });
    const exits = events.filter((e) => e.cat === "exit").map((e) => [e.tid, e.ts]);
    expect(exits).toEqual([[4, 0], [2, 300_000], [3, 500_000], [1, 500_000]]);
  });

  it("exports an empty trace as process metadata only", () => {
    const { trace } = createTestScheduler();
    const events = checkStructure(toPerfetto(trace, { processName: "idle" }));
    expect(events).toEqual([{ name: "process_name", ph: "M", pid: 1, tid: 0, ts: 0, args: { name: "idle" } }]);
  });
});
