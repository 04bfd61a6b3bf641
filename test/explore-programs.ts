/**
 * Bug programs for `explore`, shared by test/explore-bugs.test.ts and bench/explore.ts: ports of
 * SCTBench (mc-imperial/sctbench: the "CS" concurrent-software benchmarks and CHESS's
 * WorkStealQueue) to yieldos tasks, plus agent-shaped races on scripted I/O. Each program throws
 * (or deadlocks) exactly when its bug happens. Porting rule: a bare `yield` before every racy
 * shared access, and every mutex acquisition is a switch point (`yield* m.lock()`); accesses
 * inside a critical section of the lock that guards them get no extra `yield` (no other task can
 * touch them there, so switching inside changes nothing but the lock order, which the lock's own
 * switch point already explores).
 */
import { Syscall, fork, submitIO, wait, type SyscallContext, type Tid } from "../src/index.js";
import type { ExploreOptions, Program } from "../src/testing/index.js";

/**
 * A pthread mutex: `yield* m.lock()` is a switch point, then takes the mutex or parks until an
 * `unlock()` wakes the waiters to try again (no hand-off, so the unlocking task may barge back in,
 * as with pthreads).
 */
export class Mutex {
  #held = false;
  readonly #waiters: SyscallContext<void>[] = [];

  *lock(): Generator<unknown, void, unknown> {
    yield;
    while (this.#held) yield* new Park(this.#waiters);
    this.#held = true;
  }

  unlock(): void {
    this.#held = false;
    for (const ctx of this.#waiters.splice(0)) ctx.resume(undefined);
  }
}

class Park extends Syscall<void> {
  constructor(readonly waiters: SyscallContext<void>[]) {
    super();
  }

  override handle(ctx: SyscallContext<void>): void {
    ctx.park();
    this.waiters.push(ctx);
  }
}

/** Fails the task; a mutex it holds is released first, so the run reports the bug, not a deadlock behind it. */
function bug(what: string, held?: Mutex): never {
  held?.unlock();
  throw new Error(`bug: ${what}`);
}

/** A main task that forks `kids` in order, then waits for each (pthread_create ... pthread_join). */
function* forkJoin(kids: Array<() => Generator<unknown, unknown, unknown>>) {
  const tids: Tid[] = [];
  for (const kid of kids) tids.push(yield* fork(kid));
  for (const tid of tids) yield* wait(tid);
}

/** account_bad: check_result asserts a balance that is wrong once deposit and withdraw both ran. */
export const account: Program = ({ sched }) => {
  const m = new Mutex();
  const [x, y, z] = [1, 2, 4];
  let balance = x;
  let depositDone = false;
  let withdrawDone = false;
  sched.spawn(function* checkResult() {
    yield* m.lock();
    if (depositDone && withdrawDone) {
      if (balance !== x - y - z) bug(`balance ${balance}, check expected ${x - y - z}`, m);
    }
    m.unlock();
  });
  sched.spawn(function* deposit() {
    yield* m.lock();
    balance = balance + y;
    depositDone = true;
    m.unlock();
  });
  sched.spawn(function* withdraw() {
    yield* m.lock();
    balance = balance - z;
    withdrawDone = true;
    m.unlock();
  });
};

/** bluetooth_driver_bad: PnpAdd works on a device that PnpStop has already stopped. */
export const bluetoothDriver: Program = ({ sched }) => {
  const e = { pendingIo: 1, stoppingFlag: false, stoppingEvent: false };
  let stopped = false;
  function* ioIncrement() {
    yield;
    if (e.stoppingFlag) return -1;
    yield;
    e.pendingIo++;
    return 0;
  }
  function* ioDecrement() {
    yield;
    const pending = --e.pendingIo;
    if (pending === 0) {
      yield;
      e.stoppingEvent = true;
    }
  }
  function* pnpStop() {
    yield;
    e.stoppingFlag = true;
    yield* ioDecrement();
    yield;
    if (e.stoppingEvent) {
      yield;
      stopped = true;
    }
  }
  sched.spawn(function* main() {
    const stop = yield* fork(pnpStop);
    const status = yield* ioIncrement();
    if (status === 0) {
      yield;
      if (stopped) bug("PnpAdd ran on a stopped device");
    }
    yield* ioDecrement();
    yield* wait(stop);
  });
};

/** carter01_bad: two lock-count patterns on `m` and `l` deadlock each other. */
export const carter01: Program = ({ sched }) => {
  const m = new Mutex();
  const l = new Mutex();
  const counts = { A: 0, B: 0 };
  const user = (key: "A" | "B") =>
    function* () {
      yield* m.lock();
      counts[key]++;
      if (counts[key] === 1) yield* l.lock();
      m.unlock();
      yield* m.lock();
      counts[key]--;
      if (counts[key] === 0) l.unlock();
      m.unlock();
    };
  sched.spawn(function* main() {
    yield* forkJoin([user("A"), user("B"), function* t3() {}, function* t4() {}]);
  });
};

/** circular_buffer_bad: the consumer's loop index drifts from the producer's, so it reads the wrong element. */
export const circularBuffer: Program = ({ sched }) => {
  const N = 7;
  const size = 10;
  const buffer: number[] = new Array(size).fill(0);
  let first = 0;
  let next = 0;
  let send = true;
  let receive = false;
  const m = new Mutex();
  sched.spawn(function* main() {
    yield* forkJoin([
      function* t1() {
        for (let i = 0; i < N; i++) {
          yield* m.lock();
          if (send) {
            buffer[next] = i;
            next = (next + 1) % size;
            send = false;
            receive = true;
          }
          m.unlock();
        }
      },
      function* t2() {
        for (let i = 0; i < N; i++) {
          yield* m.lock();
          if (receive) {
            const got = next > 0 && first < size ? buffer[first++] : -1;
            if (got !== i) bug(`removed ${got}, expected ${i}`, m);
            receive = false;
            send = true;
          }
          m.unlock();
        }
      },
    ]);
  });
};

/** lazy01_bad: thread3 asserts `data < 3`, wrong once thread1 and thread2 both ran (FIFO order hits it). */
export const lazy01: Program = ({ sched }) => {
  const m = new Mutex();
  let data = 0;
  const adder = (n: number) =>
    function* () {
      yield* m.lock();
      data += n;
      m.unlock();
    };
  sched.spawn(function* main() {
    yield* forkJoin([
      adder(1),
      adder(2),
      function* thread3() {
        yield* m.lock();
        if (data >= 3) bug(`data is ${data}`, m);
        m.unlock();
      },
    ]);
  });
};

/** queue_bad: the dequeuer's loop index drifts from the enqueuer's, so it checks the wrong stored element. */
export const queue: Program = ({ sched }) => {
  const SIZE = 20;
  const q = { element: new Array<number>(SIZE + 1).fill(0), head: 0, tail: 0, amount: 0 };
  const stored = new Array<number>(SIZE).fill(0);
  let enqueueFlag = true;
  let dequeueFlag = false;
  const m = new Mutex();
  const enqueue = (x: number) => {
    q.element[q.tail] = x;
    q.amount++;
    q.tail = q.tail === SIZE ? 1 : q.tail + 1;
  };
  const dequeue = () => {
    const x = q.element[q.head];
    q.amount--;
    q.head = q.head === SIZE ? 1 : q.head + 1;
    return x;
  };
  sched.spawn(function* main() {
    yield* forkJoin([
      function* t1() {
        let value = 0;
        yield* m.lock();
        enqueue(value);
        stored[0] = value;
        m.unlock();
        for (let i = 0; i < SIZE - 1; i++) {
          yield* m.lock();
          if (enqueueFlag) {
            value++;
            enqueue(value);
            stored[i + 1] = value;
            enqueueFlag = false;
            dequeueFlag = true;
          }
          m.unlock();
        }
      },
      function* t2() {
        for (let i = 0; i < SIZE; i++) {
          yield* m.lock();
          if (dequeueFlag) {
            const got = dequeue();
            if (got !== stored[i]) bug(`dequeued ${got}, stored[${i}] is ${stored[i]}`, m);
            dequeueFlag = false;
            enqueueFlag = true;
          }
          m.unlock();
        }
      },
    ]);
  });
};

/** stack_bad: the popper pops whenever the flag was ever set, so it underflows. */
export const stack: Program = ({ sched }) => {
  const SIZE = 10;
  let top = 0;
  const arr = new Array<number>(SIZE).fill(0);
  let flag = false;
  const m = new Mutex();
  sched.spawn(function* main() {
    yield* forkJoin([
      function* t1() {
        for (let i = 0; i < SIZE; i++) {
          yield* m.lock();
          if (top === SIZE) bug("overflow", m);
          arr[top++] = i;
          flag = true;
          m.unlock();
        }
      },
      function* t2() {
        for (let i = 0; i < SIZE; i++) {
          yield* m.lock();
          if (flag) {
            if (top === 0) bug("pop underflowed", m);
            top--;
          }
          m.unlock();
        }
      },
    ]);
  });
};

/** token_ring_bad: four atomic steps pass a token; the checker sees x1, x2, x3 unequal in some orders. */
export const tokenRing: Program = ({ sched }) => {
  let [x1, x2, x3] = [1, 2, 1];
  const flags = [false, false, false];
  sched.spawn(function* t1() {
    yield;
    x1 = (x3 + 1) % 4;
    flags[0] = true;
  });
  sched.spawn(function* t2() {
    yield;
    x2 = x1;
    flags[1] = true;
  });
  sched.spawn(function* t3() {
    yield;
    x3 = x2;
    flags[2] = true;
  });
  sched.spawn(function* t4() {
    yield;
    if (flags.every(Boolean) && !(x1 === x2 && x2 === x3)) bug(`tokens ${x1}, ${x2}, ${x3}`);
  });
};

/** twostage_bad with `n` threads (n − 1 funcA, 1 funcB): funcB reads data1 set but data2 not yet derived from it. */
export function twostage(n: number): Program {
  return ({ sched }) => {
    const data1Lock = new Mutex();
    const data2Lock = new Mutex();
    let data1 = 0;
    let data2 = 0;
    function* funcA() {
      yield* data1Lock.lock();
      data1 = 1;
      data1Lock.unlock();
      yield* data2Lock.lock();
      data2 = data1 + 1;
      data2Lock.unlock();
    }
    function* funcB() {
      yield* data1Lock.lock();
      if (data1 === 0) {
        data1Lock.unlock();
        return;
      }
      const t1 = data1;
      data1Lock.unlock();
      yield* data2Lock.lock();
      const t2 = data2;
      data2Lock.unlock();
      if (t2 !== t1 + 1) bug(`funcB read data1 ${t1} but data2 ${t2}`);
    }
    sched.spawn(function* main() {
      yield* forkJoin([...Array.from({ length: n - 1 }, () => funcA), funcB]);
    });
  };
}

/** wronglock_bad: funcA guards dataValue with dataLock, the funcB threads with another lock. */
export function wronglock(funcBs = 7): Program {
  return ({ sched }) => {
    const dataLock = new Mutex();
    const thisLock = new Mutex();
    let dataValue = 0;
    function* funcA() {
      yield* dataLock.lock();
      yield;
      const x = dataValue;
      yield;
      dataValue++;
      yield;
      if (dataValue !== x + 1) bug(`dataValue ${dataValue} after incrementing ${x}`, dataLock);
      dataLock.unlock();
    }
    function* funcB() {
      yield* thisLock.lock();
      yield;
      dataValue++;
      thisLock.unlock();
    }
    sched.spawn(function* main() {
      yield* forkJoin([funcA, ...Array.from({ length: funcBs }, () => funcB)]);
    });
  };
}

/** reorder_bad with `sets` setThreads and `checks` checkThreads: a checker sees a = 1 with b = 0, or a = 0 with b = -1. */
export function reorder(sets: number, checks: number): Program {
  return ({ sched }) => {
    let a = 0;
    let b = 0;
    function* setThread() {
      yield;
      a = 1;
      yield;
      b = -1;
    }
    function* checkThread() {
      yield;
      const ra = a;
      yield;
      const rb = b;
      if (!((ra === 0 && rb === 0) || (ra === 1 && rb === -1))) bug(`checker saw a = ${ra}, b = ${rb}`);
    }
    sched.spawn(function* main() {
      yield* forkJoin([...Array.from({ length: sets }, () => setThread), ...Array.from({ length: checks }, () => checkThread)]);
    });
  };
}

/** SCTBench's reorder_N: N threads, N − 1 setters and one checker (reorder_20: 10 and 10). */
export function reorderN(n: number): Program {
  return n === 20 ? reorder(10, 10) : reorder(n - 1, 1);
}

/**
 * CHESS WorkStealQueue (BUG3: Push fills the last free slot, so a racing Steal and Pop both take
 * the same item): one stealer, 4 items, 2 steal attempts, initial size 2; every item must be
 * processed exactly once.
 */
export const workStealQueue: Program = ({ sched }) => {
  const items = Array.from({ length: 4 }, () => ({ field: 0 }));
  type Item = (typeof items)[number];
  const lock = new Mutex();
  let head = 0;
  let tail = 0;
  let mask = 1;
  let elems: Array<Item | undefined> = new Array(2);
  function* steal(): Generator<unknown, Item | undefined, unknown> {
    yield* lock.lock();
    yield;
    const h = head;
    yield;
    head = h + 1;
    let found: Item | undefined;
    yield;
    if (h < tail) {
      yield;
      found = elems[h & mask];
    } else {
      yield;
      head = h;
    }
    lock.unlock();
    return found;
  }
  function* syncPop(): Generator<unknown, Item | undefined, unknown> {
    yield* lock.lock();
    yield;
    const t = tail - 1;
    yield;
    tail = t;
    let found: Item | undefined;
    yield;
    if (head <= t) {
      yield;
      found = elems[t & mask];
    } else {
      yield;
      tail = t + 1;
    }
    yield;
    if (head > t) {
      yield;
      head = 0;
      yield;
      tail = 0;
      found = undefined;
    }
    lock.unlock();
    return found;
  }
  function* pop(): Generator<unknown, Item | undefined, unknown> {
    yield;
    const t = tail - 1;
    yield;
    tail = t;
    yield;
    if (head <= t) {
      yield;
      return elems[t & mask];
    }
    yield;
    tail = t + 1;
    return yield* syncPop();
  }
  function* syncPush(elem: Item) {
    yield* lock.lock();
    yield;
    let h = head;
    yield;
    const count = tail - h;
    h = h & mask;
    yield;
    head = h;
    yield;
    tail = h + count;
    if (count >= mask) {
      const size = 2 * (mask + 1);
      const grown: Array<Item | undefined> = new Array(size);
      for (let i = 0; i < count; i++) {
        yield;
        grown[i] = elems[(h + i) & mask];
      }
      elems = grown;
      mask = size - 1;
      yield;
      head = 0;
      yield;
      tail = count;
    }
    yield;
    const t = tail;
    yield;
    elems[t & mask] = elem;
    yield;
    tail = t + 1;
    lock.unlock();
  }
  function* push(elem: Item) {
    yield;
    const t = tail;
    yield;
    if (t < head + mask + 1) {
      yield;
      elems[t & mask] = elem;
      yield;
      tail = t + 1;
    } else {
      yield* syncPush(elem);
    }
  }
  sched.spawn(function* main() {
    const stealer = yield* fork(function* stealer() {
      for (let i = 0; i < 2; i++) {
        const r = yield* steal();
        if (r !== undefined) r.field++;
      }
    });
    for (let i = 0; i < items.length / 2; i++) {
      yield* push(items[2 * i]);
      yield* push(items[2 * i + 1]);
      const r = yield* pop();
      if (r !== undefined) r.field++;
    }
    for (let i = 0; i < items.length / 2; i++) {
      const r = yield* pop();
      if (r !== undefined) r.field++;
    }
    yield* wait(stealer);
    items.forEach((item, i) => {
      if (item.field !== 1) bug(`item ${i} was processed ${item.field} times`);
    });
  });
};

/** The lock-order deadlock: one task takes a then b, the other b then a. */
export const lockOrderDeadlock: Program = ({ sched }) => {
  const a = new Mutex();
  const b = new Mutex();
  let counter = 1;
  sched.spawn(function* thread1() {
    yield* a.lock();
    yield* b.lock();
    counter++;
    b.unlock();
    a.unlock();
  });
  sched.spawn(function* thread2() {
    yield; // some work before it needs the locks
    yield;
    yield* b.lock();
    yield* a.lock();
    counter--;
    a.unlock();
    b.unlock();
  });
};

/** Two tool calls with the same latency complete together; the agent assumes the first submitted lands first. */
export const toolCallOrder: Program = ({ sched }) => {
  const results: string[] = [];
  sched.spawn(function* agent() {
    const calls = ["search", "fetch"].map((name) =>
      function* () {
        const out = yield* submitIO<string>({ type: "tool", name });
        results.push(out);
      },
    );
    yield* forkJoin(calls);
    if (!results[0].startsWith("search")) bug(`the plan used ${results[0]} as the search result`);
  });
};

/** Scheduler options toolCallOrder needs: both tools take 100 ms of virtual time. */
export const toolCallIo: ExploreOptions = { scheduler: { io: { tool: { latency: 100, result: (op: { name: string }) => `${op.name}:ok` } } } };

/**
 * A lost update across an LLM call: the planner reads the shared notes, asks the LLM (1 s), and
 * writes notes + reply; the researcher's crawl usually takes longer (1.5 s), so it reads the notes
 * after the planner wrote them, unless op latencies jitter the other way.
 */
export const llmLostUpdate: Program = ({ sched }) => {
  let notes: string[] = [];
  sched.spawn(function* planner() {
    yield;
    const seen = notes;
    const reply = yield* submitIO<string>({ type: "llm", prompt: "plan" });
    notes = [...seen, reply];
  });
  sched.spawn(function* researcher() {
    const page = yield* submitIO<string>({ type: "crawl", url: "x" });
    yield;
    const seen = notes;
    const reply = yield* submitIO<string>({ type: "llm", prompt: page });
    notes = [...seen, reply];
  });
  return () => {
    if (notes.length !== 2) bug(`lost update: notes are ${JSON.stringify(notes)}`);
  };
};

/** Scheduler options llmLostUpdate needs; it is found only with latency jitter (`jitter: 1000`). */
export const llmIo: ExploreOptions = {
  jitter: 1000,
  scheduler: {
    io: {
      llm: { latency: 1000, result: (op: { prompt: string }) => `llm(${op.prompt})` },
      crawl: { latency: 1500, result: "page" },
    },
  },
};

/** A ported bug program with the explore options it needs. */
export interface BugProgram {
  name: string;
  program: Program;
  options?: ExploreOptions;
}

/** Every ported bug, small to large. */
export function bugPrograms(): BugProgram[] {
  return [
    { name: "account", program: account },
    { name: "bluetooth_driver", program: bluetoothDriver },
    { name: "carter01", program: carter01 },
    { name: "circular_buffer", program: circularBuffer },
    { name: "lazy01", program: lazy01 },
    { name: "queue", program: queue },
    { name: "stack", program: stack },
    { name: "token_ring", program: tokenRing },
    { name: "twostage", program: twostage(2) },
    { name: "wronglock", program: wronglock() },
    { name: "reorder_3", program: reorderN(3) },
    { name: "reorder_4", program: reorderN(4) },
    { name: "reorder_5", program: reorderN(5) },
    { name: "reorder_10", program: reorderN(10) },
    { name: "reorder_20", program: reorderN(20) },
    { name: "twostage_20", program: twostage(20) },
    { name: "WorkStealQueue", program: workStealQueue },
    { name: "lock_order_deadlock", program: lockOrderDeadlock },
    { name: "tool_call_order", program: toolCallOrder, options: toolCallIo },
    { name: "llm_lost_update", program: llmLostUpdate, options: llmIo },
    { name: "twostage_50", program: twostage(50) },
    { name: "twostage_100", program: twostage(100) },
  ];
}
