import { describe, expect, it } from "vitest";
import { Syscall, fork, sleep, submitIO, wait, type SyscallContext } from "../src/index.js";
import { createTestScheduler, timeline } from "../src/testing/index.js";

class Approve extends Syscall<boolean> {
  override handle(ctx: SyscallContext<boolean>) {
    ctx.after(20, () => ctx.resume(true));
  }
}

describe("timeline", () => {
  it("draws one lane per task with marks for running, sleeping, waiting, I/O and custom syscalls", async () => {
    const { sched, trace } = createTestScheduler({ io: { llm: { latency: 40, result: "ok" } } });
    sched.spawn(function* main() {
      const sleeper = yield* fork(function* () {
        yield* sleep(30);
        yield* sleep(50);
      }, { name: "sleeper" });
      const agent = yield* fork(function* () {
        yield* submitIO({ type: "llm" });
        yield* new Approve();
      }, { name: "agent" });
      yield* wait(sleeper);
      yield* wait(agent);
    }, { name: "main" });
    await sched.run();
    expect(timeline(trace, { width: 40 })).toMatchInlineSnapshot(`
      "            t=0 ms                           t=80 ms
      #1 main    |#wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww#| exited at 80
      #2 sleeper |#zzzzzzzzzzzzzz#zzzzzzzzzzzzzzzzzzzzzzz#| exited at 80
      #3 agent   |#~~~~~~~~~~~~~~~~~~~#@@@@@@@@@#         | exited at 60
                  1 column = 2 ms
      # running  - ready  z sleeping  w waiting on a task  ~ I/O  @ custom syscall"
    `);
  });

  it("scales the same run to any width and can leave out the legend", async () => {
    const { sched, trace } = createTestScheduler();
    sched.spawn(function* worker() {
      yield* sleep(100);
    });
    await sched.run();
    const narrow = timeline(trace, { width: 10, legend: false });
    expect(narrow.split("\n")).toEqual([
      "           t=0 ms t=100 ms",
      "#1 worker |#zzzzzzzz#| exited at 100",
      "           1 column = 10 ms",
    ]);
    const wide = timeline(trace, { width: 50 }).split("\n");
    expect(wide[1]).toBe(`#1 worker |#${"z".repeat(48)}#| exited at 100`);
    expect(wide[3]).toContain("z sleeping");
  });

  it("shows tasks still alive when the trace ends, and rejects a silly width", async () => {
    const { sched, trace } = createTestScheduler();
    sched.spawn(function* napper() {
      yield* sleep(10);
    });
    sched.runSync();
    trace.stop();
    sched.spawn(function* late() {
      yield* sleep(10);
    });
    expect(timeline(trace, { width: 10 })).toContain("| exited at 10");
    expect(() => timeline(trace, { width: 3 })).toThrow("timeline width must be an integer >= 10, got 3 (number)");
    const { trace: empty } = createTestScheduler();
    expect(timeline(empty)).toBe("(empty trace)");
    const { sched: s2, trace: t2 } = createTestScheduler();
    s2.spawn(function* forever() {
      yield* sleep(50);
      yield* sleep(1e9);
    });
    s2.spawn(function* stopper() {
      yield* sleep(100);
      t2.stop();
    });
    await expect(s2.run()).resolves.toBeUndefined();
    expect(timeline(t2, { width: 10 }).split("\n")[1]).toBe("#1 forever |#zzzz#zzzz| alive");
  });
});
