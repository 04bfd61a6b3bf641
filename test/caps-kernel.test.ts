import fc from "fast-check";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { audit } from "../src/agent/index.js";
import {
  CapabilityDeniedError,
  Syscall,
  call,
  channel,
  fork,
  getTid,
  revoke,
  sleep,
  submitIO,
  wait,
  type IoRequest,
  type Scheduler,
  type SyscallContext,
} from "../src/index.js";
import { fsOps, registerFs } from "../src/node/index.js";
import { tempDir, virtualScheduler } from "./helpers.js";

class AskUser extends Syscall<string> {
  override handle(ctx: SyscallContext<string>): void {
    ctx.resume("yes");
  }
}

/**
 * Registers op type "work": in flight on the clock (so a virtual clock may jump to a revoke or a
 * kill), done after 1 s. Returns the requests it received.
 */
function registerSlowWork(sched: Scheduler): IoRequest[] {
  const pending: IoRequest[] = [];
  sched.ring.register("work", (requests) => {
    for (const r of requests) {
      pending.push(r);
      r.after(1000, () => r.complete(undefined));
    }
  });
  return pending;
}

function* outcome(body: () => Iterable<unknown>): Generator<unknown, string, unknown> {
  try {
    yield* body();
    return "ok";
  } catch (e) {
    return e instanceof CapabilityDeniedError ? `denied ${e.capability}` : `error ${(e as Error).message}`;
  }
}

describe("capabilities in the kernel", () => {
  it("checks ops, call(fn) and custom syscalls before any handler runs; channels need no capability", async () => {
    const { sched } = virtualScheduler();
    const seen: string[] = [];
    sched.ring.register("tool", (requests) => {
      for (const r of requests) {
        seen.push(String((r.op as { name?: string }).name));
        r.complete(undefined);
      }
    });
    const ch = channel<number>({ capacity: 1 });
    const t = sched.spawn(
      function* agent() {
        return [
          yield* outcome(() => submitIO({ type: "tool", name: "granted" })),
          yield* outcome(() => call(() => 1)),
          yield* outcome(() => new AskUser()),
          yield* outcome(function* () {
            yield* ch.send(1);
            yield* ch.receive();
          }),
        ];
      },
      { caps: ["tool"] },
    );
    await sched.run();
    await expect(t.done).resolves.toEqual(["ok", "denied call", "denied syscall:AskUser", "ok"]);
    expect(seen).toEqual(["granted"]);
    expect(sched.ps()).toEqual([]);
  });

  it("gives a forked child its parent's caps, a subset on request, and refuses more", async () => {
    const { sched } = virtualScheduler();
    const caps: (readonly string[] | null)[] = [];
    const t = sched.spawn(
      function* planner() {
        const kid = yield* fork(function* () {
          yield* sleep(1);
        });
        const narrow = yield* fork(function* () {
          yield* sleep(1);
        }, { caps: ["call"] });
        caps.push(...sched.ps().filter((p) => p.tid === kid || p.tid === narrow).map((p) => p.caps));
        const more = yield* outcome(() => fork(function* () {}, { caps: ["call", "llm"] }));
        yield* wait(kid);
        yield* wait(narrow);
        return more;
      },
      { caps: ["call", "nop"] },
    );
    await sched.run();
    await expect(t.done).resolves.toBe("denied llm");
    expect(caps).toEqual([["call", "nop"], ["call"]]);
    expect(sched.ps()).toEqual([]);
  });

  it("confines file ops to their grant, and the denial shows in the audit log", async () => {
    const dir = await tempDir();
    try {
      await mkdir(join(dir.path, "in"));
      await writeFile(join(dir.path, "in", "notes.md"), "ring notes");
      const { sched } = virtualScheduler();
      registerFs(sched);
      const log = audit(sched);
      const t = sched.spawn(
        function* researcher() {
          const text = yield* submitIO(fsOps.readFile(join(dir.path, "in", "notes.md"), "utf8"));
          const write = yield* outcome(() => submitIO(fsOps.writeFile(join(dir.path, "in", "out.md"), "x")));
          const escape = yield* outcome(() => submitIO(fsOps.readFile(join(dir.path, "in", "..", "secret"), "utf8")));
          return [text, write, escape];
        },
        { caps: [`fs.read:${join(dir.path, "in")}`] },
      );
      await sched.run();
      const [text, write, escape] = (await t.done) as string[];
      expect(text).toBe("ring notes");
      expect(write).toBe(`denied fs.writeFile:${join(dir.path, "in", "out.md")}`);
      expect(escape).toMatch(/^denied fs.readFile:.*\/secret$/);
      await expect(readFile(join(dir.path, "in", "out.md"))).rejects.toThrow();
      const denials = log.records.filter((r) => r.outcome.startsWith("error: CapabilityDeniedError"));
      expect(denials.map((r) => r.action)).toEqual(["fs.writeFile", "fs.readFile"]);
    } finally {
      await dir.remove();
    }
  });

  it("revokes from a task and its descendants, cancelling an op in flight under the grant", async () => {
    const { sched } = virtualScheduler();
    const pending = registerSlowWork(sched);
    let childOutcome = "";
    const parent = sched.spawn(
      function* () {
        const kid = yield* fork(function* () {
          childOutcome = yield* outcome(() => submitIO({ type: "work" }));
        });
        yield* wait(kid);
        return yield* outcome(() => submitIO({ type: "work" }));
      },
      { caps: ["work"] },
    );
    const revoker = sched.spawn(function* () {
      yield* sleep(1);
      return yield* revoke(parent.tid, "work");
    });
    await sched.run();
    await expect(revoker.done).resolves.toBe(true);
    expect(childOutcome).toBe('error op #1 "work" was cancelled: task #3 "task" may not work: capability "work" was revoked while the op was in flight (it holds none)');
    await expect(parent.done).resolves.toBe("denied work");
    expect(pending).toHaveLength(1);
    expect(pending[0].signal.aborted).toBe(true);
  });

  it("settles an op once when a kill and a revoke race for it, in either order", async () => {
    for (const order of ["kill first", "revoke first"] as const) {
      const { sched } = virtualScheduler();
      const pending = registerSlowWork(sched);
      const completions: number[] = [];
      sched.on("io:complete", (_tid, c) => completions.push(c.seq));
      const t = sched.spawn(function* () {
        yield* submitIO({ type: "work" });
      }, { caps: ["work"] });
      sched.spawn(function* () {
        yield* sleep(1);
        if (order === "kill first") {
          sched.kill(t.tid, "race");
          sched.revoke(t.tid, "work");
        } else {
          sched.revoke(t.tid, "work");
          sched.kill(t.tid, "race");
        }
      });
      await sched.run().catch(() => {});
      expect(t.status).toBe("killed");
      expect(completions).toEqual([1]);
      expect(pending[0].signal.aborted).toBe(true);
      expect(sched.ring.counters).toMatchObject({ inFlight: 0, queued: 0 });
    }
  });

  it("names a malformed capability and its expected forms", () => {
    const { sched } = virtualScheduler();
    expect(() => sched.spawn(function* () {}, { caps: ["fs.read:relative"] })).toThrow(/invalid capability "fs.read:relative".*must be absolute/);
    expect(() => sched.spawn(function* () {}, { caps: [42 as never] })).toThrow(TypeError);
    expect(() => sched.revoke(1, "" as never)).toThrow(TypeError);
  });

  it("never lets a task perform an op it does not hold at that moment (random fork trees, grants and revocations)", async () => {
    const types = ["a", "b", "c"] as const;
    const subset = fc.subarray([...types]);
    const program = fc.record({
      root: subset,
      kids: fc.array(fc.record({ caps: fc.option(subset, { nil: undefined }), ops: fc.array(fc.constantFrom(...types), { maxLength: 4 }) }), { maxLength: 4 }),
      revokes: fc.array(fc.record({ at: fc.integer({ min: 0, max: 6 }), tid: fc.integer({ min: 1, max: 6 }), cap: fc.constantFrom(...types) }), { maxLength: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(program, async (p) => {
        const { sched } = virtualScheduler();
        const violations: string[] = [];
        for (const type of types) {
          sched.ring.register(type, (requests: readonly IoRequest[]) => {
            for (const r of requests) {
              const tid = (r.op as { tid?: number }).tid!;
              const held = sched.ps().find((t) => t.tid === tid)?.caps;
              if (held !== null && held !== undefined && !held.includes(type)) violations.push(`#${tid} ran ${type} holding ${held.join(",")}`);
              r.after(1, () => r.complete(undefined));
            }
          });
        }
        sched.spawn(
          function* root() {
            for (const kid of p.kids) {
              try {
                yield* fork(function* () {
                  for (const type of kid.ops) {
                    try {
                      yield* submitIO({ type, tid: yield* getTid() });
                    } catch {
                      // denied or cancelled: what the property is about is what ran
                    }
                  }
                }, kid.caps === undefined ? undefined : { caps: kid.caps });
              } catch {
                // asked for more than the root holds
              }
            }
          },
          { caps: p.root },
        );
        sched.spawn(function* revoker() {
          for (const r of p.revokes) {
            yield* sleep(r.at);
            yield* revoke(r.tid, r.cap);
          }
        });
        await sched.run().catch(() => {});
        expect(violations).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});
