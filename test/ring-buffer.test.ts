import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { RingBuffer } from "../src/io/ring-buffer.js";

describe("RingBuffer", () => {
  it("rejects a capacity that is not a power of two, naming the value", () => {
    for (const bad of [0, 3, 6, -4, 1.5, Number.NaN, 2 ** 31]) {
      expect(() => new RingBuffer(bad)).toThrow(RangeError);
      expect(() => new RingBuffer(bad)).toThrow(String(bad));
    }
    expect(() => new RingBuffer("8" as unknown as number)).toThrow(RangeError);
    expect(new RingBuffer(1).capacity).toBe(1);
    expect(new RingBuffer(1024).capacity).toBe(1024);
  });

  it("keeps FIFO order across many wrap-arounds", () => {
    const q = new RingBuffer<number>(4);
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      while (!q.isFull) q.push(next++);
      out.push(q.shift()!, q.shift()!, q.shift()!);
    }
    while (q.size > 0) out.push(q.shift()!);
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(q.shift()).toBeUndefined();
  });

  it("peeks and indexes from the head, negative indices from the tail", () => {
    const q = new RingBuffer<string>(4);
    expect(q.peek()).toBeUndefined();
    for (const s of ["a", "b", "c", "d"]) q.push(s);
    q.shift();
    q.push("e"); // wraps to slot 0
    expect(q.peek()).toBe("b");
    expect([q.at(0), q.at(1), q.at(2), q.at(3)]).toEqual(["b", "c", "d", "e"]);
    expect(q.at(-1)).toBe("e");
    expect(q.at(-4)).toBe("b");
    expect(q.at(4)).toBeUndefined();
    expect(q.at(-5)).toBeUndefined();
    expect(q.at(1.7)).toBe("c");
    expect(q.size).toBe(4);
  });

  it("throws when pushing into a full buffer, naming its capacity", () => {
    const q = new RingBuffer<number>(2);
    q.push(1);
    expect(q.isFull).toBe(false);
    q.push(2);
    expect(q.isFull).toBe(true);
    expect(() => q.push(3)).toThrow(/capacity 2/);
    expect(q.size).toBe(2);
    expect(q.at(1)).toBe(2);
  });

  it("clear empties the buffer and it can be refilled", () => {
    const q = new RingBuffer<number>(4);
    q.push(1);
    q.push(2);
    q.shift();
    q.push(3);
    q.clear();
    expect(q.size).toBe(0);
    expect(q.peek()).toBeUndefined();
    expect(q.at(0)).toBeUndefined();
    for (let i = 0; i < 4; i++) q.push(i);
    expect(q.shift()).toBe(0);
    expect(q.at(-1)).toBe(3);
  });

  it("lets the garbage collector take shifted and cleared items", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const q = new RingBuffer<object>(4);
    const refs: WeakRef<object>[] = [];
    const fill = (): void => {
      for (let i = 0; i < 3; i++) {
        const item = { payload: new Array(1000).fill(i) };
        refs.push(new WeakRef(item));
        q.push(item);
      }
    };
    fill();
    q.shift();
    q.shift();
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(refs.map((r) => r.deref() === undefined)).toEqual([true, true, false]);
    q.clear();
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(refs[2].deref()).toBeUndefined();
  });
});
