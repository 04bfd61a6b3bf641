/**
 * A task tried to do something it holds no capability for: an op or custom syscall it was not
 * granted, a file path outside its grants, or a `fork` asking for more than the parent holds.
 * Thrown into the task at the offending `yield`, before any handler runs.
 *
 * @example
 * ```ts
 * try {
 *   yield* submitIO(fsOps.writeFile("/data/in/notes.md", "x"));
 * } catch (e) {
 *   if (e instanceof CapabilityDeniedError) console.log(e.message);
 *   // task #2 "researcher" may not fs.writeFile "/data/in/notes.md": it lacks capability
 *   // "fs.writeFile:/data/in/notes.md" (it holds: fs.read:/data/in, llm:gpt-4o-mini)
 * }
 * ```
 */
export class CapabilityDeniedError extends Error {
  override name = "CapabilityDeniedError";
  /** The task that was refused. */
  readonly tid: number;
  readonly taskName: string;
  /** What it tried: an op type (`"fs.writeFile"`), `"syscall"`, or `"fork"`. */
  readonly action: string;
  /** What it tried it on: a resolved path, a model, a tool, a syscall class; `undefined` if none. */
  readonly target: string | undefined;
  /** The capability that would have allowed it, as a spec string (`"fs.writeFile:/data/out/a.md"`). */
  readonly capability: string;
  /** What the task held, as spec strings; `null` for an unrestricted task. */
  readonly held: readonly string[] | null;

  constructor(details: {
    tid: number;
    taskName: string;
    action: string;
    target?: string;
    capability: string;
    held: readonly string[] | null;
    /** Replaces the middle of the message (`it lacks capability ...`); used by fork. */
    detail?: string;
  }) {
    const { tid, taskName, action, target, capability, held } = details;
    const holds = held === null ? "it is unrestricted" : held.length === 0 ? "it holds none" : `it holds: ${held.join(", ")}`;
    const what = target === undefined ? action : `${action} ${JSON.stringify(target)}`;
    super(`task #${tid} "${taskName}" may not ${what}: ${details.detail ?? `it lacks capability ${JSON.stringify(capability)}`} (${holds})`);
    this.tid = tid;
    this.taskName = taskName;
    this.action = action;
    this.target = target;
    this.capability = capability;
    this.held = held;
  }
}
