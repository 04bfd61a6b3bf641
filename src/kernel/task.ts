import type { Budget } from "./budget.js";
import type { Deadline } from "./deadlines.js";
import type { Deque } from "./deque.js";
import type { HeapEntry } from "./timer-heap.js";
import type { TaskInfo, TaskRef, TaskStatus } from "./types.js";

/** How the run loop resumes a task next. */
export const enum Resume {
  Next = 0,
  Throw = 1,
  Return = 2,
}

/**
 * The kernel's record of one task. Internal: users see `TaskHandle` and `TaskInfo`.
 * A task is its own sleep-heap entry (`at`, `seq`, `index`), so sleeping allocates nothing.
 */
export class Task implements HeapEntry, TaskRef {
  status: TaskStatus = "ready";
  gen: Generator<unknown, unknown, unknown> | null;
  /** What the next resume passes in: a value, or an error for `Resume.Throw`. */
  send: unknown = undefined;
  mode: Resume = Resume.Next;
  /** A native generator: resumed through the shared `%GeneratorPrototype%.next`. */
  native = false;

  // Sleep-heap entry.
  at = 0;
  seq = 0;
  index = -1;

  /** Set once a kill starts: the error waiters and `done` get. */
  killError: Error | null = null;
  /** The thing a blocked task waits on: a task, an I/O wait, a syscall context. */
  blockedOn: unknown = null;
  waiters: Deque<Task> | null = null;
  timeLimit: Deadline | null = null;
  /** Paused tasks are never scheduled; a wake-up while paused waits for `resume`. */
  paused = false;
  budget: Budget | null = null;

  // Process tree: children in fork order, linked through their sibling fields.
  readonly parent: number | null;
  /** The parent while it lives and keeps this task's exit record; `null` once orphaned. */
  parentTask: Task | null;
  firstChild: Task | null = null;
  lastChild: Task | null = null;
  prevSibling: Task | null = null;
  nextSibling: Task | null = null;

  /** The return value, or the failure. */
  result: unknown = undefined;
  /** A failure someone saw (through `Wait` or `done`). */
  observed = false;
  handle: { settle(task: Task): void } | null = null;

  // Timing, on the scheduler clock. Time queued is derived in `info()`, so the switch path only
  // counts switches; blocked time is booked when a task leaves or rejoins the ready queue.
  created: number;
  /** Valid once `switches > 0`. */
  started = 0;
  /** Valid once the task has ended. */
  ended = 0;
  timeRunning = 0;
  /** Time blocked or paused; while `off`, minus the start of the current stretch. */
  timeBlocked = 0;
  /** Off the ready queue (blocked or paused) since a time counted in `timeBlocked`. */
  off = false;
  switches = 0;

  constructor(
    readonly tid: number,
    readonly name: string,
    gen: Generator<unknown, unknown, unknown>,
    public priority: number,
    parentTask: Task | null,
    now: number,
  ) {
    this.gen = gen;
    this.parentTask = parentTask;
    this.parent = parentTask === null ? null : parentTask.tid;
    this.created = now;
  }

  get alive(): boolean {
    return this.gen !== null;
  }

  addChild(child: Task): void {
    child.prevSibling = this.lastChild;
    if (this.lastChild !== null) this.lastChild.nextSibling = child;
    else this.firstChild = child;
    this.lastChild = child;
  }

  removeChild(child: Task): void {
    if (child.prevSibling !== null) child.prevSibling.nextSibling = child.nextSibling;
    else this.firstChild = child.nextSibling;
    if (child.nextSibling !== null) child.nextSibling.prevSibling = child.prevSibling;
    else this.lastChild = child.prevSibling;
    child.prevSibling = child.nextSibling = null;
  }

  /** A `ps()` row as of clock time `now`. */
  info(waitingOn: string, now: number): TaskInfo {
    const end = this.alive ? now : this.ended;
    const blocked = this.off ? this.timeBlocked + end : this.timeBlocked;
    return {
      tid: this.tid,
      name: this.name,
      parent: this.parent,
      priority: this.priority,
      status: this.status,
      created: this.created,
      started: this.switches === 0 ? null : this.started,
      ended: this.alive ? null : this.ended,
      // Sampled running time can run a little ahead of the clock: clamp.
      timeQueued: Math.max(0, end - this.created - this.timeRunning - blocked),
      timeRunning: this.timeRunning,
      switches: this.switches,
      waitingOn,
    };
  }
}
