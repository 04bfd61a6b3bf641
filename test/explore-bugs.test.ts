import { describe, expect, it } from "vitest";
import { fork, sleep, wait, type Tid } from "../src/index.js";
import { explore, replay, type Program } from "../src/testing/index.js";
import { bugPrograms, llmIo, llmLostUpdate, reorderN, twostage } from "./explore-programs.js";

/** Ports whose bug FIFO order itself hits, as SCTBench's non-preemptive schedule does for lazy01. */
const FIFO_VISIBLE = new Set(["carter01", "circular_buffer", "lazy01", "wronglock"]);
/** The biggest ports are in `npm run bench:explore`, not in `npm test`. */
const IN_BENCH_ONLY = new Set(["twostage_100"]);

describe("explore on ported bugs", () => {
  for (const b of bugPrograms().filter((x) => !IN_BENCH_ONLY.has(x.name))) {
    it(`finds ${b.name} with the default strategy within 1,000 runs${FIFO_VISIBLE.has(b.name) ? "" : ", though FIFO order passes"}`, async () => {
      if (!FIFO_VISIBLE.has(b.name)) expect((await replay(b.program, "", b.options)).ok).toBe(true);
      const result = await explore(b.program, { ...b.options, runs: 1_000, shrink: 20 });
      expect(result.ok).toBe(false);
      const f = result.failure!;
      expect(`${(f.error as Error).name}: ${(f.error as Error).message}`).toMatch(/^(Error: bug: |DeadlockError: )/);
      // The seed replays the very run, the shrunk schedule fails the same way.
      expect((await replay(b.program, f.seed, b.options)).lines).toEqual(f.lines);
      const small = await replay(b.program, f.shrunk!.schedule, b.options);
      expect([small.ok, (small.error as Error).name]).toEqual([false, (f.error as Error).name]);
    });
  }

  it("finds reorder_20 and twostage_20, which the random walk misses in 1,000 runs", async () => {
    for (const program of [reorderN(20), twostage(20)]) {
      expect((await explore(program, { strategy: "random", runs: 1_000, shrink: false })).ok).toBe(true);
      const pct = await explore(program, { runs: 1_000, shrink: false });
      expect([pct.ok, pct.failure?.strategy, pct.failure?.depth]).toEqual([false, "pct", 3]);
    }
  });

  it("finds the lost update across an LLM call only when op latencies jitter", async () => {
    const { jitter: _, ...fixed } = llmIo;
    expect(await explore(llmLostUpdate, { ...fixed, runs: 200 })).toEqual({ ok: true, runs: 200, failure: null });
    const jittered = await explore(llmLostUpdate, { ...llmIo, runs: 200 });
    expect(String(jittered.failure?.error)).toMatch(/lost update: notes are \["llm\((plan|page)\)"\]/);
    const again = await replay(llmLostUpdate, jittered.failure!.schedule, llmIo);
    expect(again.lines).toEqual(jittered.failure!.lines);
  });

  it("explores the order of sleepers whose deadlines tie", async () => {
    const program: Program = ({ sched }) => {
      const woke: string[] = [];
      for (const name of ["first", "second"]) {
        sched.spawn(function* () {
          yield* sleep(10);
          woke.push(name);
        }, { name });
      }
      return () => {
        if (woke[0] !== "first") throw new Error(`woke in order ${woke.join(", ")}`);
      };
    };
    expect((await replay(program, "")).ok).toBe(true); // Order rule 4: equal deadlines wake in Sleep order
    const result = await explore(program, { runs: 100 });
    expect(String(result.failure?.error)).toBe("Error: woke in order second, first");
    expect(result.failure!.shrunk!.schedule).toBe("1");
  });

  it("shrinks a failure to the interleaving that matters and prints how to replay it", async () => {
    const { failure } = await explore(reorderN(5), { runs: 1_000 });
    const f = failure!;
    expect(f.report).toContain(`replay it with replay(program, ${f.seed}) (= replay(program, ${f.seed}, { strategy: "pct", depth: 3, steps: ${f.steps} }))`);
    expect(f.report).toContain(`Shrunk in ${f.shrunk!.replays} replays to ${f.shrunk!.deviations} deviations from FIFO order`);
    expect(f.report).toMatch(/\* steps \d+-\d+: #\d+ checkThread/);
    expect(f.shrunk!.deviations).toBeLessThan(f.schedule.split(".").filter((c) => c !== "0").length);
    const r = await replay(reorderN(5), f.seed, { strategy: "pct", depth: 3, steps: f.steps });
    expect(r.lines).toEqual(f.lines);
  });
});

describe("explore README example", () => {
  it("finds a half-written config with PCT that the random walk misses", async () => {
    // The example in README.md "Exploration strategies", verbatim.
    const publish: Program = ({ sched }) => {
      let version = 0;
      let body = "";
      sched.spawn(function* main() {
        const kids: Tid[] = [];
        for (let i = 0; i < 10; i++) {
          kids.push(
            yield* fork(function* writer() {
              yield;
              version = 1;
              yield;
              body = "v1";
            }),
          );
        }
        kids.push(
          yield* fork(function* reader() {
            yield;
            const v = version;
            yield;
            const b = body;
            if (v === 1 && b !== "v1") throw new Error(`half-written config: version ${v}, body "${b}"`);
          }),
        );
        for (const kid of kids) yield* wait(kid);
      });
    };
    const random = await explore(publish, { strategy: "random", runs: 1_000 });
    expect(random.ok).toBe(true); // 1,000 random schedules, no bug
    const pct = await explore(publish, { runs: 1_000 }); // default: "pct", depth 3
    expect(pct.failure?.error).toEqual(new Error('half-written config: version 1, body ""'));
    const again = await replay(publish, pct.failure!.shrunk!.schedule);
    expect(again.ok).toBe(false);
  });
});
