import { describe, expect, it } from "vitest";
import { Syscall, TaskKilledError, getTid, sleep, type SyscallContext } from "../src/index.js";
import { virtualScheduler } from "./helpers.js";

class Echo extends Syscall<string> {
  constructor(readonly text: string) {
    super();
  }
  override handle(ctx: SyscallContext<string>): void {
    ctx.resume(`${this.text} for #${ctx.task.tid}`);
  }
}

describe("Syscall", () => {
  it("yields itself once through yield*, then returns what the task is resumed with", () => {
    const s = new Echo("hi");
    const it = s[Symbol.iterator]();
    const first = it.next();
    expect(first.done).toBe(false);
    expect(first.value).toBe(s);
    const second = it.next("answer");
    expect(second).toMatchObject({ done: true, value: "answer" });
    expect(it.next("again")).toMatchObject({ done: true, value: "again" });
    expect(it.return!("stop")).toMatchObject({ done: true, value: "stop" });
    expect(() => it.throw!(new Error("boom"))).toThrow("boom");
  });

  it("can be yielded by several tasks at once, each getting its own result", () => {
    const { sched } = virtualScheduler();
    const shared = new Echo("hello");
    const nap = sleep(10);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      sched.spawn(function* () {
        yield* nap;
        got.push(yield* shared);
        yield;
        got.push(`#${yield* getTid()} again: ${yield* shared}`);
      });
    }
    sched.runSync();
    expect(got).toEqual([
      "hello for #1",
      "hello for #2",
      "hello for #3",
      "#1 again: hello for #1",
      "#2 again: hello for #2",
      "#3 again: hello for #3",
    ]);
  });

  it("runs finally blocks when a task is killed mid-yield*, and delivers errors thrown in", () => {
    const { sched } = virtualScheduler();
    const log: string[] = [];
    const victim = sched.spawn(function* () {
      try {
        yield* sleep(100);
        log.push("woke");
      } finally {
        log.push("finally");
      }
    });
    sched.spawn(function* () {
      yield* sleep(5);
      sched.kill(victim.tid, "stop");
    });
    const thrower = sched.spawn(function* () {
      try {
        yield* sleep(-1);
      } catch (e) {
        log.push(`caught ${(e as Error).name}`);
      }
      return "after";
    });
    sched.runSync();
    expect(log).toEqual(["caught RangeError", "finally"]);
    expect(victim.status).toBe("killed");
    expect(thrower.status).toBe("exited");
    void victim.done.catch((e: unknown) => expect(e).toBeInstanceOf(TaskKilledError));
  });
});
