import { NoSuchTaskError, TaskKilledError } from "../errors.js";
import { Dispatched } from "./dispatched.js";
import type { Kernel } from "./kernel.js";
import type { Task } from "./task.js";

/**
 * How a join ends: `all` (every value, or the first failure), `any` (the first to end, as
 * `{ index, tid, value }`), `race` (the first to end, its value alone), `settled` (every outcome).
 */
export type JoinMode = "all" | "any" | "race" | "settled";

/** One outcome of `allSettled`, shaped like `PromiseSettledResult`. */
export type Settled<T> = { status: "fulfilled"; value: T } | { status: "rejected"; reason: unknown };

/**
 * A task blocked on several tasks at once (`waitAll`, `waitAny`, `race`, `allSettled`): one
 * waiter on each of them, told of each end by the kernel. Once the outcome is decided, the tasks
 * still running are killed, and the joiner is woken when all have ended (their `finally` blocks
 * have run). The joiner's exit records of its children among them are collected. A loser whose
 * `finally` throws is a failure nobody observed: `run()` reports it.
 */
export class JoinWait {
  readonly #k: Kernel;
  readonly #joiner: Task;
  readonly #tids: readonly number[];
  readonly #mode: JoinMode;
  readonly #results: unknown[];
  #pending: number;
  #answer: { ok: boolean; value: unknown } | null = null;

  constructor(k: Kernel, joiner: Task, tids: readonly number[], mode: JoinMode) {
    this.#k = k;
    this.#joiner = joiner;
    this.#tids = tids;
    this.#mode = mode;
    this.#results = new Array<unknown>(tids.length);
    this.#pending = tids.length;
  }

  /** Dispatch: checks every tid first, then collects the ended tasks and waits on the others. */
  start(what: string): Dispatched {
    const k = this.#k;
    const joiner = this.#joiner;
    const targets: Task[] = [];
    for (let i = 0; i < this.#tids.length; i++) {
      const tid = this.#tids[i];
      const t = k.tasks.get(tid);
      if (tid === joiner.tid) return k.answer(joiner, false, new NoSuchTaskError(tid, `${what}: a task cannot wait on itself`));
      if (t === undefined) return k.answer(joiner, false, new NoSuchTaskError(tid, `${what}: no task has this tid (it never existed, or its exit record was freed)`));
      if (!t.alive && t.parentTask !== joiner) {
        return k.answer(joiner, false, new NoSuchTaskError(tid, `${what}: it has ended, and only its parent #${t.parent} may collect its result`));
      }
      targets.push(t);
    }
    const seen = new Set<Task>();
    for (const t of targets) {
      if (seen.has(t)) continue;
      seen.add(t);
      if (t.alive) k.addWaiter(t, this);
    }
    for (const t of seen) if (!t.alive) this.ended(t);
    if (this.#pending === 0) return k.answer(joiner, this.#answer!.ok, this.#answer!.value);
    return k.block(joiner, "waiting", this);
  }

  /** The kernel's call when one of the tasks ends. */
  ended(target: Task): void {
    const k = this.#k;
    for (let i = 0; i < this.#tids.length; i++) if (this.#tids[i] === target.tid) this.#record(i, target);
    if (target.parentTask === this.#joiner) k.release(target);
    if (this.#pending > 0) return;
    this.#answer ??= { ok: true, value: this.#results };
    if (this.#joiner.status === "waiting") k.wake(this.#joiner, this.#answer.ok, this.#answer.value);
  }

  #record(i: number, t: Task): void {
    this.#pending--;
    const ok = t.status === "exited";
    const value = t.result;
    if (this.#mode === "settled") {
      if (!ok) t.observed = true;
      this.#results[i] = ok ? { status: "fulfilled", value } : { status: "rejected", reason: value };
      return;
    }
    if (this.#answer !== null) return; // a loser, ended after the outcome was decided
    if (this.#mode === "all" && ok) {
      this.#results[i] = value;
      return;
    }
    if (!ok) t.observed = true;
    this.#answer = !ok
      ? { ok: false, value }
      : { ok: true, value: this.#mode === "any" ? { index: i, tid: t.tid, value } : value };
    this.#killLosers();
  }

  #killLosers(): void {
    const k = this.#k;
    for (const tid of new Set(this.#tids)) {
      const t = k.tasks.get(tid);
      if (t !== undefined && t.alive) k.kill(t, new TaskKilledError(t.tid, t.name, `it lost a ${this.#mode === "all" ? "waitAll" : this.#mode === "race" ? "race" : "waitAny"}`));
    }
  }

  /** The joiner was killed: stop listening for the tasks' ends. */
  dropWaiter(): void {
    for (const tid of new Set(this.#tids)) this.#k.tasks.get(tid)?.waiters?.remove(this);
  }

  describe(): string {
    const verb = this.#mode === "all" ? "waitAll" : this.#mode === "settled" ? "allSettled" : this.#mode === "race" ? "race" : "waitAny";
    return `${verb} ${this.#tids.map((tid) => `#${tid}`).join(", ")}`;
  }
}
