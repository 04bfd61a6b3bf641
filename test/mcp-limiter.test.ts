import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Limiter } from "../src/mcp/limiter.js";

describe("mcp limiter", () => {
  it("starts waiters in arrival order as slots free up, never more than the limit at once", () => {
    const limiter = new Limiter(2);
    const started: number[] = [];
    const releases: (() => void)[] = [];
    for (let i = 0; i < 5; i++) {
      limiter.run((release) => {
        started.push(i);
        releases.push(release);
      });
    }
    expect(started).toEqual([0, 1]);
    expect({ running: limiter.running, waiting: limiter.waiting }).toEqual({ running: 2, waiting: 3 });
    releases[1]();
    releases[1](); // a second release of the same slot frees nothing more
    expect(started).toEqual([0, 1, 2]);
    releases[0]();
    expect(started).toEqual([0, 1, 2, 3]);
    expect(limiter.running).toBe(2);
  });

  it("drops a waiter whose signal aborts, and never starts one aborted before it queued", () => {
    const limiter = new Limiter(1);
    let release = () => {};
    const started: string[] = [];
    limiter.run((r) => {
      started.push("a");
      release = r;
    });
    const ac = new AbortController();
    limiter.run(() => started.push("b"), ac.signal);
    limiter.run(() => started.push("c"), AbortSignal.abort());
    limiter.run(() => started.push("d"));
    ac.abort();
    expect(limiter.waiting).toBe(1);
    release();
    expect(started).toEqual(["a", "d"]);
  });

  it("holds the limit under any order of releases", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.nat(20), { minLength: 1, maxLength: 30 }), (limit, picks) => {
        const limiter = new Limiter(limit);
        const held: (() => void)[] = [];
        let peak = 0;
        let started = 0;
        for (let i = 0; i < picks.length; i++) {
          limiter.run((release) => {
            started++;
            held.push(release);
            peak = Math.max(peak, limiter.running);
          });
        }
        for (const p of picks) if (held.length > 0) held.splice(p % held.length, 1)[0]();
        while (held.length > 0) held.shift()!();
        expect(peak).toBeLessThanOrEqual(limit);
        expect(started).toBe(picks.length);
        expect(limiter.running).toBe(0);
      }),
    );
  });
});
