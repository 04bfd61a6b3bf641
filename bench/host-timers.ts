/** Host timers seen while a {@link watchHostTimers} watch is on. */
export interface HostTimerWatch {
  /** The most timers armed at once. */
  readonly max: number;
  /** `setTimeout` calls. */
  readonly created: number;
  /** Timers armed now (neither fired nor cleared). */
  readonly armed: number;
  /** Puts the real `setTimeout`/`clearTimeout` back. */
  restore(): void;
}

/**
 * Wraps `setTimeout`/`clearTimeout` to count host timers between arming and firing or clearing,
 * until `restore()`. Shared by the W3 bench and the soak, which both check "one timer at a time".
 */
export function watchHostTimers(): HostTimerWatch {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const armed = new Set<unknown>();
  const watch = { max: 0, created: 0, armed: 0, restore };
  globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const handle = realSet(
      (...a: unknown[]) => {
        armed.delete(handle);
        watch.armed = armed.size;
        fn(...a);
      },
      ms,
      ...args,
    );
    armed.add(handle);
    watch.created++;
    watch.armed = armed.size;
    if (armed.size > watch.max) watch.max = armed.size;
    return handle;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((handle: Parameters<typeof clearTimeout>[0]) => {
    armed.delete(handle);
    watch.armed = armed.size;
    realClear(handle);
  }) as typeof clearTimeout;
  function restore(): void {
    globalThis.setTimeout = realSet;
    globalThis.clearTimeout = realClear;
  }
  return watch;
}
