import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Scheduler, VirtualClock, channel, fork, sleep, wait, type Tid } from "../src/index.js";
import { DurableEngine, MemoryStore, NonDeterminismError, call, now, random } from "../src/durable/index.js";

/** One action of a generated workflow task. */
type Action =
  | { t: "op"; v: number; fail: boolean; delay: number }
  | { t: "sleep"; ms: number }
  | { t: "random" }
  | { t: "yield" }
  | { t: "send"; v: number };

interface Program {
  root: Action[];
  children: Action[][];
}

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ t: fc.constant("op" as const), v: fc.integer({ min: 0, max: 99 }), fail: fc.boolean(), delay: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ t: fc.constant("sleep" as const), ms: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ t: fc.constant("random" as const) }),
  fc.record({ t: fc.constant("yield" as const) }),
  fc.record({ t: fc.constant("send" as const), v: fc.integer({ min: 0, max: 99 }) }),
);
const program: fc.Arbitrary<Program> = fc.record({
  root: fc.array(action, { minLength: 1, maxLength: 6 }),
  children: fc.array(fc.array(action, { maxLength: 6 }), { maxLength: 3 }),
});

/** A workflow interpreting `p`, logging what it sees to `trace` and counting side effects. */
function workflowOf(p: Program, trace: string[], effects: { n: number }) {
  function* runActions(name: string, actions: Action[], out: ReturnType<typeof channel<number>> | null): Generator<unknown, void, unknown> {
    for (let i = 0; i < actions.length; i++) {
      const a = actions[i];
      switch (a.t) {
        case "op":
          try {
            const v = yield* call(
              () =>
                new Promise<number>((resolve, reject) => {
                  effects.n++;
                  setTimeout(() => (a.fail ? reject(new RangeError(`op ${a.v} failed`)) : resolve(a.v)), a.delay);
                }),
            );
            trace.push(`${name}:${i}:op=${v}`);
          } catch (e) {
            trace.push(`${name}:${i}:err=${(e as Error).name}/${(e as Error).message}`);
          }
          break;
        case "sleep":
          yield* sleep(a.ms);
          trace.push(`${name}:${i}:slept`);
          break;
        case "random":
          trace.push(`${name}:${i}:random=${yield* random()}`);
          break;
        case "yield":
          yield;
          trace.push(`${name}:${i}:yield`);
          break;
        case "send":
          if (out !== null) yield* out.send(a.v);
          trace.push(`${name}:${i}:send=${a.v}`);
          break;
      }
    }
  }
  return function* wf() {
    const chans = p.children.map(() => channel<number>({ capacity: 64 }));
    const kids: Tid[] = [];
    for (let c = 0; c < p.children.length; c++) {
      const ch = chans[c];
      kids.push(
        yield* fork(function* () {
          yield* runActions(`c${c}`, p.children[c], ch);
          ch.close();
        }),
      );
    }
    yield* runActions("root", p.root, null);
    const got: number[] = [];
    for (const ch of chans) {
      for (;;) {
        const m = yield* ch.receive();
        if (m.done) break;
        got.push(m.value);
        trace.push(`root:got=${m.value}`);
      }
    }
    for (const k of kids) yield* wait(k);
    return { got, t: yield* now() };
  };
}

function engineOn(store: MemoryStore, wf: () => Generator<unknown, unknown, unknown>): DurableEngine {
  return new DurableEngine({ store, workflows: { wf }, scheduler: new Scheduler({ clock: new VirtualClock() }) });
}

/** A store holding `id`'s journal as an unfinished workflow, so an engine replays all of it. */
function reopened(store: MemoryStore, id: string): MemoryStore {
  const copy = new MemoryStore();
  const rec = store.get(id)!;
  copy.create({ ...rec, state: "running", result: "", error: "" });
  copy.write({ entries: store.journal(id).map((entry) => ({ id, entry })), finished: [], inbox: [], inboxTaken: [] });
  return copy;
}

async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
}

describe("durable replay", () => {
  it("replays random workflow programs (forks, channels, sleeps, failing ops) to identical traces without running any op", async () => {
    await fc.assert(
      fc.asyncProperty(program, async (p) => {
        const store = new MemoryStore();
        const live: string[] = [];
        const liveEffects = { n: 0 };
        const e1 = engineOn(store, workflowOf(p, live, liveEffects));
        await e1.start("wf", [], { id: "p" });
        const result = await e1.result("p");
        await e1.close();

        const replayed: string[] = [];
        const effects = { n: 0 };
        const e2 = engineOn(reopened(store, "p"), workflowOf(p, replayed, effects));
        await e2.recover();
        expect(await e2.result("p")).toEqual(result);
        expect(replayed).toEqual(live);
        expect(effects.n).toBe(0);
        await e2.close();
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 40) },
    );
  });

  it("resumes random programs after a crash at a random point to the trace a full replay of their journal gives", async () => {
    await fc.assert(
      fc.asyncProperty(program, fc.integer({ min: 0, max: 12 }), async (p, crashAfter) => {
        const store = new MemoryStore();
        const first: string[] = [];
        const e1 = engineOn(store, workflowOf(p, first, { n: 0 }));
        await e1.start("wf", [], { id: "p" });
        await turns(crashAfter);
        await e1.close();

        let resumed = first;
        if (store.get("p")!.state === "running") {
          resumed = [];
          const e2 = engineOn(store, workflowOf(p, resumed, { n: 0 }));
          await e2.recover();
          await e2.result("p");
          await e2.close();
          // What the first engine saw, the resumed one saw too, in the same order.
          expect(resumed.slice(0, first.length)).toEqual(first);
        }
        const result = JSON.parse(store.get("p")!.result) as unknown;

        const check: string[] = [];
        const effects = { n: 0 };
        const e3 = engineOn(reopened(store, "p"), workflowOf(p, check, effects));
        await e3.recover();
        expect(await e3.result("p")).toEqual(result);
        expect(check).toEqual(resumed);
        expect(effects.n).toBe(0);
        await e3.close();
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 40) },
    );
  });

  it("fails a changed program with NonDeterminismError", async () => {
    const withOp = program.filter((p) => p.root.some((a) => a.t === "op"));
    await fc.assert(
      fc.asyncProperty(withOp, async (p) => {
        const store = new MemoryStore();
        const e1 = engineOn(store, workflowOf(p, [], { n: 0 }));
        await e1.start("wf", [], { id: "p" });
        await e1.result("p");
        await e1.close();
        // The changed code sleeps where the old one ran its first op.
        const i = p.root.findIndex((a) => a.t === "op");
        const changed: Program = { ...p, root: p.root.map((a, j) => (j === i ? { t: "sleep", ms: 1 } : a)) };
        const e2 = engineOn(reopened(store, "p"), workflowOf(changed, [], { n: 0 }));
        await e2.recover();
        const error = await e2.result("p").then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(NonDeterminismError);
        await e2.close();
      }),
      { numRuns: 30 },
    );
  });
});
