/** What a syscall's dispatch did with the task. */
export const enum Dispatched {
  /** Completed at once, its result set with `Kernel.answer`: the task goes to the back of the ready queue. */
  Done = 0,
  /** Took the task off the run queue (`Kernel.block`); a waker may already have put it back. */
  Blocked = 1,
}
