import type { IoOp, OpResult, SubmitOptions } from "../io/types.js";
import { describeValue } from "../checks.js";
import { isBareOp } from "../io/ring-options.js";
import type { Kernel } from "../kernel/kernel.js";
import type { Dispatched } from "../kernel/dispatched.js";
import type { Task } from "../kernel/task.js";
import { Kind, Syscall, type SyscallDescription } from "./syscall.js";

/** One item of a `submitIO` batch: an op, or an op with its submit options. */
export type IoItem = IoOp | ({ op: IoOp } & Omit<SubmitOptions, "userData">);

/**
 * The result type of one {@link IoItem}: its op's {@link OpResult}.
 *
 * @example
 * ```ts
 * type T = ItemResult<{ op: ReadFileOp<string>; timeout: 100 }>; // string
 * ```
 */
export type ItemResult<I> = I extends { type: string } ? OpResult<I> : I extends { op: infer Op } ? OpResult<Op> : unknown;

/**
 * The results of a `submitIO` batch, in order: a tuple of each item's {@link ItemResult}.
 *
 * @example
 * ```ts
 * type T = BatchResult<[ReadFileOp<string>, StatOp]>; // [string, Stats]
 * ```
 */
export type BatchResult<L extends readonly unknown[]> = { -readonly [K in keyof L]: ItemResult<L[K]> };

/**
 * Submits one op, or an array of ops as one batch, to the scheduler's I/O ring and returns the
 * op's result (an array of results, in order, for an array). A failed op throws its error into
 * the task; in a batch, the first failure is thrown and the batch's other ops are cancelled.
 * Ops that tasks submit during one scheduler turn go out in one `enter()`.
 *
 * @example
 * ```ts
 * const [a, b] = yield* submitIO([
 *   { type: "call", fn: () => fetchA() },
 *   { op: { type: "call", fn: () => fetchB() }, timeout: 1_000 },
 * ]);
 * ```
 */
export class SubmitIO<R = unknown> extends Syscall<R> {
  /** @internal */
  override readonly _kind = Kind.SubmitIO;
  constructor(
    readonly ops: IoItem | readonly IoItem[],
    readonly options?: Omit<SubmitOptions, "userData">,
  ) {
    super();
  }

  override describe(): SyscallDescription {
    const ops = this.ops;
    const types = (Array.isArray(ops) ? (ops as readonly IoItem[]) : [ops as IoItem]).map(opTypeOf);
    return { name: "submitIO", detail: Array.isArray(ops) ? `[${types.join(", ")}]` : types.join("") };
  }
}

/** The type of an item's op, for descriptions: `llm`, `fs.read`; a bad item is described. */
export function opTypeOf(item: unknown): string {
  if (item === null || typeof item !== "object") return describeValue(item);
  const op = isBareOp(item) ? item : (item as { op?: unknown }).op;
  const type = (op as { type?: unknown } | null)?.type;
  return typeof type === "string" ? type : "?";
}

/** @internal The kernel's handling of {@link SubmitIO}: through the scheduler's ring. */
export function runSubmitIO(k: Kernel, task: Task, syscall: SubmitIO): Dispatched {
  return k.io.submit(task, syscall);
}

/**
 * Returns a {@link SubmitIO} syscall. Its result type comes from the ops: an op built by a typed
 * constructor (a {@link TypedOp}, like `fsOps.readFile(path, "utf8")`) gives its result type, an
 * array gives a tuple in order, and a plain op gives `unknown`. An explicit type argument
 * (`submitIO<string[]>(ops)`) overrides it.
 *
 * @example
 * ```ts
 * yield* submitIO({ type: "timeout", ms: 50 });
 * const text = yield* submitIO(fsOps.readFile("a.txt", "utf8"));           // string
 * const [a, info] = yield* submitIO([fsOps.readFile("a.txt", "utf8"), fsOps.stat("b")]); // [string, Stats]
 * const results = yield* submitIO<string[]>([op1, op2]);
 * ```
 */
export function submitIO<const I extends IoItem>(op: I, options?: Omit<SubmitOptions, "userData">): SubmitIO<ItemResult<I>>;
export function submitIO<const L extends readonly IoItem[]>(ops: L, options?: Omit<SubmitOptions, "userData">): SubmitIO<BatchResult<L>>;
export function submitIO<R = unknown>(ops: IoItem | readonly IoItem[], options?: Omit<SubmitOptions, "userData">): SubmitIO<R>;
export function submitIO(ops: IoItem | readonly IoItem[], options?: Omit<SubmitOptions, "userData">): SubmitIO<unknown> {
  return new SubmitIO(ops, options);
}

/**
 * Runs `fn(signal)` as a `call` op on the ring and returns its awaited value. `signal` fires when
 * the op is cancelled (task killed, timeout). Declare the parameter if you use it: the ring only
 * creates an `AbortSignal` for functions that take one.
 *
 * @example
 * ```ts
 * const body = yield* call((signal) => fetch(url, { signal }).then((r) => r.text()));
 * const n = yield* call(() => Promise.resolve(1), { timeout: 500 });
 * ```
 */
export function call<T>(
  fn: (signal: AbortSignal) => T | PromiseLike<T>,
  options?: Omit<SubmitOptions, "userData">,
): SubmitIO<Awaited<T>> {
  return new SubmitIO<Awaited<T>>({ type: "call", fn }, options);
}
