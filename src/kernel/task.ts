import type { CapSet } from "../caps/cap-set.js";
import type { Budget } from "./budget.js";
import type { Deadline } from "../time/timers.js";
import type { Deque } from "./deque.js";
import { Time, type TaskTable } from "./task-table.js";
import type { TaskInfo, TaskRef, TaskStatus } from "./types.js";

/** How the run loop resumes a task next. */
export const enum Resume {
  Next = 0,
  Throw = 1,
  Return = 2,
}

/** The bits of `Task.#flags`. */
const enum Flag {
  /** Two bits: a {@link Resume}. */
  Mode = 3,
  Native = 4,
  Off = 8,
  /** Four bits from here: the index of the status in {@link STATUSES}. */
  StatusShift = 4,
  Status = 15 << 4,
}

/** Every {@link TaskStatus}, by the code kept in `Task.#flags`. */
const STATUSES: readonly TaskStatus[] = ["ready", "running", "sleeping", "waiting", "io", "syscall", "paused", "exited", "failed", "killed"];

/** The code of a status; a switch, so that a setter inlined with a constant folds to a number. */
function statusCode(status: TaskStatus): number {
  switch (status) {
    case "ready":
      return 0;
    case "running":
      return 1;
    case "sleeping":
      return 2;
    case "waiting":
      return 3;
    case "io":
      return 4;
    case "syscall":
      return 5;
    case "paused":
      return 6;
    case "exited":
      return 7;
    case "failed":
      return 8;
    case "killed":
      return 9;
  }
}

/**
 * Something waiting for a task to end: a task in `Wait`, or a join (`waitAll`, `waitAny`, `race`,
 * `allSettled`) told of each of its tasks' ends.
 */
export type Waiter = Task | { ended(target: Task): void };

/** The rarely used part of a task, allocated on first use: most tasks never need it. */
class TaskExtras {
  killError: Error | null = null;
  waiters: Deque<Waiter> | null = null;
  /** Called if the task is killed before it takes the value it was woken with (a channel message goes back). */
  onDiscard: ((value: unknown) => void) | null = null;
  /** Its live children are killed when it ends (structured concurrency), instead of living on. */
  scoped = false;
  /** Its capabilities; `null`: unrestricted. */
  caps: CapSet | null = null;
  /** Its working directory for relative paths of file ops. */
  cwd: string | undefined = undefined;
  timeLimit: Deadline | null = null;
  paused = false;
  budget: Budget | null = null;
  observed = false;
  handle: { settle(task: Task): void } | null = null;
  firstChild: Task | null = null;
  lastChild: Task | null = null;
  /** The parent's tid, kept once the parent has ended before this task. */
  orphanOf: number | null = null;
}

/**
 * The kernel's record of one task. Internal: users see `TaskHandle` and `TaskInfo`. Its `status`,
 * `mode` and `send` are written by the kernel's transitions alone (kernel.ts).
 * A task is its own sleep-heap entry (the heap keeps the key, the task its ticket), so sleeping allocates nothing.
 * Fields the run loop touches live here; the rest live in {@link TaskExtras}, behind accessors,
 * allocated the first time one of them is set.
 */
export class Task implements TaskRef {
  gen: Generator<unknown, unknown, unknown> | null;
  /** What the next resume passes in: a value, or an error for `Resume.Throw`. Once ended: the result. */
  send: unknown = undefined;
  /** `status`, `mode`, `native` and `off` in one small integer (see {@link Flag}): one field instead of four. */
  #flags = 0; // status "ready"

  /** The thing a blocked task waits on: a task, an I/O wait, a syscall context; asleep, its sleep-heap ticket. */
  blockedOn: unknown = null;

  // Process tree: children in fork order, linked through their sibling fields.
  /** The parent while it lives and keeps this task's exit record; `null` once orphaned. */
  parentTask: Task | null;
  prevSibling: Task | null = null;
  nextSibling: Task | null = null;

  #extras: TaskExtras | null = null;

  // Timing: most times are in the task table (see `Time`), so that tasks carry fewer boxed
  // doubles. Time queued is derived in `info()`.
  switches = 0;

  constructor(
    readonly tid: number,
    readonly name: string,
    gen: Generator<unknown, unknown, unknown>,
    public priority: number,
    parentTask: Task | null,
  ) {
    this.gen = gen;
    this.parentTask = parentTask;
  }

  /** Where the task stands; written by the kernel's transitions alone. */
  get status(): TaskStatus {
    return STATUSES[(this.#flags & Flag.Status) >> Flag.StatusShift];
  }
  set status(status: TaskStatus) {
    this.#flags = (this.#flags & ~Flag.Status) | (statusCode(status) << Flag.StatusShift);
  }

  /** How the next resume passes `send` in. */
  get mode(): Resume {
    return this.#flags & Flag.Mode;
  }
  set mode(mode: Resume) {
    this.#flags = (this.#flags & ~Flag.Mode) | mode;
  }

  /** A native generator: resumed through the shared `%GeneratorPrototype%.next`. */
  get native(): boolean {
    return (this.#flags & Flag.Native) !== 0;
  }
  set native(native: boolean) {
    this.#flags = native ? this.#flags | Flag.Native : this.#flags & ~Flag.Native;
  }

  /** Off the ready queue (blocked or paused): `Time.Blocked` holds minus the start of the stretch. */
  get off(): boolean {
    return (this.#flags & Flag.Off) !== 0;
  }
  set off(off: boolean) {
    this.#flags = off ? this.#flags | Flag.Off : this.#flags & ~Flag.Off;
  }

  get alive(): boolean {
    return this.gen !== null;
  }

  /** The return value, or the failure (valid once ended). */
  get result(): unknown {
    return this.send;
  }

  get parent(): number | null {
    return this.parentTask !== null ? this.parentTask.tid : (this.#extras?.orphanOf ?? null);
  }

  /** Forgets the parent, which has ended while this task lives. */
  orphan(): void {
    if (this.parentTask === null) return;
    this.more().orphanOf = this.parentTask.tid;
    this.parentTask = null;
  }

  /** Set once a kill starts: the error waiters and `done` get. */
  get killError(): Error | null {
    return this.#extras?.killError ?? null;
  }
  set killError(error: Error | null) {
    if (error !== null || this.#extras !== null) this.more().killError = error;
  }

  get waiters(): Deque<Waiter> | null {
    return this.#extras?.waiters ?? null;
  }
  set waiters(waiters: Deque<Waiter> | null) {
    if (waiters !== null || this.#extras !== null) this.more().waiters = waiters;
  }

  get onDiscard(): ((value: unknown) => void) | null {
    return this.#extras?.onDiscard ?? null;
  }
  set onDiscard(fn: ((value: unknown) => void) | null) {
    if (fn !== null || this.#extras !== null) this.more().onDiscard = fn;
  }

  /** Its capabilities; `null` (the default) is unrestricted and costs no check. */
  get caps(): CapSet | null {
    return this.#extras === null ? null : this.#extras.caps;
  }
  set caps(caps: CapSet | null) {
    if (caps !== null || this.#extras !== null) this.more().caps = caps;
  }

  get cwd(): string | undefined {
    return this.#extras?.cwd;
  }
  set cwd(cwd: string | undefined) {
    if (cwd !== undefined || this.#extras !== null) this.more().cwd = cwd;
  }

  get scoped(): boolean {
    return this.#extras !== null && this.#extras.scoped;
  }
  set scoped(scoped: boolean) {
    if (scoped || this.#extras !== null) this.more().scoped = scoped;
  }

  get timeLimit(): Deadline | null {
    return this.#extras?.timeLimit ?? null;
  }
  set timeLimit(deadline: Deadline | null) {
    if (deadline !== null || this.#extras !== null) this.more().timeLimit = deadline;
  }

  /** Paused tasks are never scheduled; a wake-up while paused waits for `resume`. */
  get paused(): boolean {
    return this.#extras !== null && this.#extras.paused;
  }
  set paused(paused: boolean) {
    if (paused || this.#extras !== null) this.more().paused = paused;
  }

  get budget(): Budget | null {
    return this.#extras?.budget ?? null;
  }
  set budget(budget: Budget | null) {
    if (budget !== null || this.#extras !== null) this.more().budget = budget;
  }

  /** A failure someone saw (through `Wait` or `done`). */
  get observed(): boolean {
    return this.#extras !== null && this.#extras.observed;
  }
  set observed(observed: boolean) {
    if (observed || this.#extras !== null) this.more().observed = observed;
  }

  get handle(): { settle(task: Task): void } | null {
    return this.#extras?.handle ?? null;
  }
  set handle(handle: { settle(task: Task): void } | null) {
    if (handle !== null || this.#extras !== null) this.more().handle = handle;
  }

  get firstChild(): Task | null {
    return this.#extras?.firstChild ?? null;
  }

  get lastChild(): Task | null {
    return this.#extras?.lastChild ?? null;
  }

  /** The extras record, made on first use. Not a `#` method: that would add a brand field to every task. */
  private more(): TaskExtras {
    return (this.#extras ??= new TaskExtras());
  }

  addChild(child: Task): void {
    const x = this.more();
    child.prevSibling = x.lastChild;
    if (x.lastChild !== null) x.lastChild.nextSibling = child;
    else x.firstChild = child;
    x.lastChild = child;
  }

  removeChild(child: Task): void {
    const x = this.more();
    if (child.prevSibling !== null) child.prevSibling.nextSibling = child.nextSibling;
    else x.firstChild = child.nextSibling;
    if (child.nextSibling !== null) child.nextSibling.prevSibling = child.prevSibling;
    else x.lastChild = child.prevSibling;
    child.prevSibling = child.nextSibling = null;
  }

  /** Drops the links to all children (they are orphaned or freed by the caller). */
  clearChildren(): void {
    if (this.#extras !== null) this.#extras.firstChild = this.#extras.lastChild = null;
  }

  /** The `ps()` row of a live task as of clock time `now`. */
  info(waitingOn: string, now: number, table: TaskTable<Task>): TaskInfo {
    const created = table.time(this.tid, Time.Created);
    const running = table.time(this.tid, Time.Running);
    const blocked = table.time(this.tid, Time.Blocked) + (this.off ? now : 0);
    return {
      tid: this.tid,
      name: this.name,
      parent: this.parent,
      priority: this.priority,
      status: this.status,
      created,
      started: this.switches === 0 ? null : table.time(this.tid, Time.Started),
      ended: null,
      // Sampled running time can run a little ahead of the clock: clamp.
      timeQueued: Math.max(0, now - created - running - blocked),
      timeRunning: running,
      switches: this.switches,
      waitingOn,
      caps: this.caps?.describe() ?? null,
    };
  }
}
