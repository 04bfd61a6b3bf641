import { afterEach, describe, expect, it, vi } from "vitest";
import { RealClock, Scheduler, sleep } from "../src/index.js";

const DAY = 24 * 3600 * 1000;

describe("RealClock", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // Hosts keep setTimeout delays in 32 bits (~24.8 days) and fire a longer one after 1 ms: a
  // 30-day sleep used to re-arm a 1 ms host timer about a thousand times a second.
  it("fires a timer due beyond the host's 24.8-day limit on time, with one host timer per 24.8 days", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate", "performance"] });
    const armed = vi.spyOn(globalThis, "setTimeout");
    const sched = new Scheduler();
    const start = performance.now();
    let woke = -1;
    sched.spawn(function* () {
      yield* sleep(60 * DAY);
      woke = performance.now() - start;
    });
    const done = sched.run();
    await vi.advanceTimersByTimeAsync(59 * DAY);
    expect(woke).toBe(-1);
    await vi.advanceTimersByTimeAsync(2 * DAY);
    await done;
    expect(woke).toBe(60 * DAY);
    expect(armed.mock.calls.length).toBeLessThanOrEqual(3);
  });

  it("cancels a long timer between its hops", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const clock = new RealClock();
    const fired = vi.fn();
    const handle = clock.setTimer(clock.now() + 40 * DAY, fired);
    await vi.advanceTimersByTimeAsync(30 * DAY);
    clock.clearTimer(handle);
    await vi.advanceTimersByTimeAsync(20 * DAY);
    expect(fired).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
