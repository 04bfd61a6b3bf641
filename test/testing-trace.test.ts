import { describe, expect, it } from "vitest";
import { Scheduler, Syscall, VirtualClock, fork, getTid, kill, sleep, submitIO, wait, type SyscallContext } from "../src/index.js";
import { createTestScheduler, formatTraceEvent, recordTrace } from "../src/testing/index.js";

class Ask extends Syscall<string> {
  constructor(readonly question: string) {
    super();
  }
  override handle(ctx: SyscallContext<string>) {
    ctx.after(40, () => ctx.resume(`re: ${this.question}`));
  }
}

function* family() {
  const me = yield* getTid();
  const kid = yield* fork(function* () {
    yield* sleep(5);
    return me * 10;
  }, { name: "kid" });
  return yield* wait(kid);
}

describe("recordTrace", () => {
  it("records spawns, slices, syscalls with their arguments, wake-ups and exits with time and task", async () => {
    const { sched, trace } = createTestScheduler();
    sched.spawn(family, { name: "main" });
    await sched.run();
    expect(trace.lines()).toMatchInlineSnapshot(`
      [
        "t=0 #1 main spawn",
        "t=0 #1 main run",
        "t=0 #1 main getTid",
        "t=0 #1 main run",
        "t=0 #1 main fork #2 kid",
        "t=0 #2 kid spawn by #1",
        "t=0 #2 kid run",
        "t=0 #2 kid sleep 5",
        "t=0 #1 main run",
        "t=0 #1 main wait #2",
        "t=5 #2 kid wake sleeping",
        "t=5 #2 kid run",
        "t=5 #2 kid exit exited -> 10",
        "t=5 #1 main wake waiting -> 10",
        "t=5 #1 main run",
        "t=5 #1 main exit exited -> 10",
      ]
    `);
  });

  it("filters lines by task tid or name and by event kind, and omits kinds", async () => {
    const { sched, trace } = createTestScheduler();
    sched.spawn(family, { name: "main" });
    await sched.run();
    expect(trace.lines({ task: "kid", kind: ["syscall", "wake", "exit"] })).toEqual([
      "t=0 #2 kid sleep 5",
      "t=5 #2 kid wake sleeping",
      "t=5 #2 kid exit exited -> 10",
    ]);
    expect(trace.lines({ task: 2, kind: "syscall" })).toEqual(["t=0 #2 kid sleep 5"]);
    expect(trace.lines({ task: [1, "kid"], kind: "exit" })).toEqual(["t=5 #2 kid exit exited -> 10", "t=5 #1 main exit exited -> 10"]);
    expect(trace.lines({ omit: ["run", "spawn", "syscall"] })).toEqual([
      "t=5 #2 kid wake sleeping",
      "t=5 #2 kid exit exited -> 10",
      "t=5 #1 main wake waiting -> 10",
      "t=5 #1 main exit exited -> 10",
    ]);
  });

  it("records I/O submissions and completions, kills, failures and a syscall that fails at once", async () => {
    const { sched, trace } = createTestScheduler({ io: { llm: { latency: 30, result: "hi" }, bad: { latency: 5, fail: new Error("down") } } });
    sched.spawn(function* client() {
      yield* submitIO({ type: "llm" });
      try {
        yield* submitIO({ type: "bad" });
      } catch {
        // Expected: the scripted failure.
      }
      try {
        yield* sleep(-1);
      } catch {
        // Expected: a RangeError at once.
      }
      const doomed = yield* fork(function* () {
        yield* sleep(1_000);
      }, { name: "doomed" });
      yield* kill(doomed);
      yield* fork(function* () {
        throw new Error("boom");
      }, { name: "crash" });
    });
    await expect(sched.run()).rejects.toThrow("boom");
    expect(trace.lines({ omit: ["run", "spawn"] })).toMatchInlineSnapshot(`
      [
        "t=0 #1 client submitIO llm",
        "t=0 #1 client io:submit #1 llm",
        "t=30 #1 client io:complete #1 llm -> "hi"",
        "t=30 #1 client wake io -> "hi"",
        "t=30 #1 client submitIO bad",
        "t=30 #1 client io:submit #2 bad",
        "t=35 #1 client io:complete #2 bad error Error: down",
        "t=35 #1 client wake io error Error: down",
        "t=35 #1 client sleep -1",
        "t=35 #1 client wake running error RangeError: sleep(ms) must be a finite number of ms >= 0, got -1 (numbe…",
        "t=35 #1 client fork #2 doomed",
        "t=35 #2 doomed sleep 1000",
        "t=35 #1 client kill #2",
        "t=35 #2 doomed kill TaskKilledError: task #2 "doomed" was killed",
        "t=35 #2 doomed exit killed TaskKilledError: task #2 "doomed" was killed",
        "t=35 #1 client fork #3 crash",
        "t=35 #3 crash exit failed Error: boom",
        "t=35 #1 client exit exited",
      ]
    `);
  });

  it("names custom syscalls by their class and records their wake-up", async () => {
    const { sched, trace } = createTestScheduler();
    sched.spawn(function* asker() {
      return yield* new Ask("name?");
    });
    await sched.run();
    expect(trace.lines({ kind: ["syscall", "wake"] })).toEqual(["t=0 #1 asker Ask", 't=40 #1 asker wake syscall -> "re: name?"']);
  });

  it("names tasks spawned before recording began, and stops recording on stop()", async () => {
    const sched = new Scheduler({ clock: new VirtualClock() });
    sched.spawn(function* () {
      yield* sleep(10);
      yield* sleep(10);
    }, { name: "early" });
    const trace = recordTrace(sched);
    sched.on("wake", () => trace.stop());
    await sched.run();
    expect(trace.recording).toBe(false);
    expect(trace.lines()).toEqual(["t=0 #1 early run", "t=0 #1 early sleep 10", "t=10 #1 early wake sleeping"]);
  });

  it("attaches listeners only while recording, so an untraced scheduler pays nothing", () => {
    const sched = new Scheduler({ clock: new VirtualClock() });
    const events = ["spawn", "exit", "syscall", "run", "wake", "kill", "io:submit", "io:complete"] as const;
    const count = () => events.reduce((n, e) => n + sched.listenerCount(e), 0);
    expect(count()).toBe(0);
    const trace = recordTrace(sched);
    expect(count()).toBe(events.length);
    trace.stop();
    trace.stop();
    expect(count()).toBe(0);
  });

  it("hands out copies of its events, which format as the same lines", async () => {
    const { sched, trace } = createTestScheduler();
    sched.spawn(family, { name: "main" });
    await sched.run();
    const events = trace.events;
    expect(events.map(formatTraceEvent)).toEqual(trace.lines());
    expect(events[0]).toMatchObject({ kind: "spawn", t: 0, tid: 1, name: "main", parent: null, priority: 0 });
    events.length = 0;
    (trace.events[0] as { name: string }).name = "changed";
    expect(trace.events).toHaveLength(trace.lines().length);
    expect(trace.events[0].name).toBe("main");
  });
});
