import { describe, expect, it } from "vitest";
import { ChannelClosedError, DeadlockError, Syscall, TimeoutError, channel, fork, kill, sleep, wait, type SyscallContext } from "../src/index.js";
import { recorder, virtualScheduler } from "./helpers.js";

describe("channel", () => {
  it("delivers messages in send order and blocks a receiver until one arrives", async () => {
    const { sched } = virtualScheduler();
    const { log, lines } = recorder(sched);
    const ch = channel<string>({ capacity: 4 });
    sched.spawn(function* consumer() {
      for (let m = yield* ch.receive(); !m.done; m = yield* ch.receive()) log(`got ${m.value}`);
      log("done");
    });
    sched.spawn(function* producer() {
      yield* sleep(10);
      yield* ch.send("a");
      yield* ch.send("b");
      yield* sleep(5);
      yield* ch.send("c");
      ch.close();
    });
    await sched.run();
    expect(lines).toEqual(["t=10 got a", "t=10 got b", "t=15 got c", "t=15 done"]);
  });

  it("blocks send while the buffer is full, and wakes senders first come first served", async () => {
    const { sched } = virtualScheduler();
    const { log, lines } = recorder(sched);
    const ch = channel<number>({ capacity: 1 });
    for (const n of [1, 2, 3]) {
      sched.spawn(function* () {
        yield* ch.send(n);
        log(`sent ${n}`);
      }, { name: `s${n}` });
    }
    sched.spawn(function* () {
      yield* sleep(100);
      expect(ch.waiting).toEqual({ receivers: 0, senders: 2 });
      for (let i = 0; i < 3; i++) log(`got ${(yield* ch.receive()).value}`);
    });
    await sched.run();
    // A receive that frees room moves the oldest blocked sender's value in and wakes it first.
    expect(lines).toEqual(["t=0 sent 1", "t=100 sent 2", "t=100 got 1", "t=100 sent 3", "t=100 got 2", "t=100 got 3"]);
  });

  it("serves blocked receivers in the order they began waiting", async () => {
    const { sched } = virtualScheduler();
    const got: string[] = [];
    const ch = channel<number>({ capacity: 2 });
    for (const r of ["r1", "r2", "r3"]) sched.spawn(function* () {
      got.push(`${r}:${(yield* ch.receive()).value}`);
    });
    sched.spawn(function* () {
      yield* sleep(1);
      for (const n of [10, 20, 30]) yield* ch.send(n);
    });
    await sched.run();
    expect(got).toEqual(["r1:10", "r2:20", "r3:30"]);
  });

  it("times out a receive on the scheduler clock, letting a virtual clock jump", async () => {
    const { sched, clock } = virtualScheduler();
    const ch = channel<number>({ name: "inbox" });
    const t = sched.spawn(function* () {
      try {
        yield* ch.receive({ timeout: 250 });
      } catch (e) {
        return e;
      }
    });
    await sched.run();
    const error = (await t.done) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toMatch(/receive on channel "inbox" by task #1 .* timed out after 250 ms/);
    expect(clock.now()).toBe(250);
    expect(ch.waiting.receivers).toBe(0);
  });

  it("wakes waiting receivers with the done marker on close, after the buffer drains", async () => {
    const { sched } = virtualScheduler();
    const ch = channel<string>({ capacity: 2 });
    const seen: unknown[] = [];
    sched.spawn(function* () {
      yield* ch.send("last");
      ch.close();
      seen.push(yield* ch.receive(), yield* ch.receive(), yield* ch.receive());
    });
    await sched.run();
    expect(seen).toEqual([{ done: false, value: "last" }, { done: true }, { done: true }]);
    expect(ch.close()).toBe(false);
  });

  it("throws a ChannelClosedError naming the channel and value on send after close, and into blocked senders", async () => {
    const { sched } = virtualScheduler();
    const ch = channel<string>({ capacity: 1, name: "jobs" });
    const blocked = sched.spawn(function* () {
      yield* ch.send("fits");
      yield* ch.send("waits");
    });
    const late = sched.spawn(function* () {
      yield* sleep(10);
      ch.close();
      yield* ch.send("late");
    });
    await sched.run().catch(() => {});
    await expect(blocked.done).rejects.toThrow(new ChannelClosedError("jobs", "waits", "it was closed while the send waited for room"));
    await expect(late.done).rejects.toThrow('send of "late" (string) on closed channel "jobs": it was closed before the send');
  });

  it("removes a killed task from the channel's wait queue", async () => {
    const { sched } = virtualScheduler();
    const ch = channel<number>();
    const got: string[] = [];
    sched.spawn(function* () {
      const a = yield* fork(function* () {
        got.push(`a:${(yield* ch.receive()).value}`);
      });
      yield* fork(function* () {
        got.push(`b:${(yield* ch.receive()).value}`);
      });
      yield* sleep(5);
      expect(ch.waiting.receivers).toBe(2);
      yield* kill(a);
      expect(ch.waiting.receivers).toBe(1);
      yield* ch.send(7);
      try {
        yield* wait(a);
      } catch (e) {
        got.push((e as Error).name);
      }
    });
    await sched.run();
    expect(got).toEqual(["b:7", "TaskKilledError"]);
  });

  it("reports receivers that can never be woken as a deadlock", async () => {
    const { sched } = virtualScheduler();
    const ch = channel<number>({ name: "never" });
    sched.spawn(function* lonely() {
      yield* ch.receive();
    });
    const error = await sched.run().catch((e) => e);
    expect(error).toBeInstanceOf(DeadlockError);
    expect(error.message).toContain('"lonely" (syscall receive channel "never")');
  });

  it("rejects a capacity of 0, -1, NaN or 1.5 with an error naming the value", () => {
    expect(() => channel({ capacity: 0 })).toThrow("channel capacity must be an integer >= 1 (or Infinity), got 0 (number)");
    expect(() => channel({ capacity: -1 })).toThrow("got -1 (number)");
    expect(() => channel({ capacity: NaN })).toThrow("got NaN (number)");
    expect(() => channel({ capacity: 1.5 })).toThrow(RangeError);
    expect(channel({ capacity: Infinity }).capacity).toBe(Infinity);
    expect(() => channel<number>().receive({ timeout: -5 })).toThrow('receive timeout on channel "channel" must be a finite number of ms >= 0, got -5 (number)');
  });

  it("gives the same event order on every run", async () => {
    const runOnce = async () => {
      const { sched } = virtualScheduler();
      const { log, lines } = recorder(sched);
      const ch = channel<number>({ capacity: 2 });
      for (const w of [1, 2, 3]) sched.spawn(function* () {
        for (let i = 0; i < 3; i++) {
          yield* sleep(w * 7);
          yield* ch.send(w * 10 + i);
        }
      });
      sched.spawn(function* () {
        for (let i = 0; i < 9; i++) log(`got ${(yield* ch.receive()).value}`);
      });
      await sched.run();
      return lines;
    };
    const first = await runOnce();
    expect(first).toHaveLength(9);
    expect(await runOnce()).toEqual(first);
  });
});

describe("SyscallContext.park", () => {
  it("lets a virtual clock jump while a custom syscall waits on other tasks", async () => {
    const { sched } = virtualScheduler();
    let waiting: SyscallContext<string> | null = null;
    class Rendezvous extends Syscall<string> {
      override handle(ctx: SyscallContext<string>): void {
        waiting = ctx;
        ctx.park();
      }
    }
    const t = sched.spawn(function* () {
      return `${yield* new Rendezvous()} at ${sched.now()}`;
    });
    sched.spawn(function* () {
      yield* sleep(300);
      waiting!.resume("met");
    });
    await sched.run();
    expect(await t.done).toBe("met at 300");
  });
});
