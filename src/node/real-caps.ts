import { CapSet } from "../caps/cap-set.js";
import type { CapabilitySpec } from "../caps/cap-spec.js";
import { resolveForCheck } from "./path-resolve.js";

/**
 * `caps` with the real path (symlinks followed; for a directory not created yet, its deepest
 * existing ancestor's) of every path scope added next to the path as written. A file op must pass
 * two checks: the path the task names (lexically) and the file it reaches (for real) must both lie
 * in a grant, so a grant written through a symlink (`/tmp` on macOS is `/private/tmp`) needs both
 * forms. Call it once when building the caps of a task.
 *
 * @example
 * ```ts
 * import { realCaps } from "yieldos/node";
 * const caps = await realCaps(["fs.read:/tmp/in", "llm:gpt-4o-mini"]);
 * caps.describe(); // ["fs.read:/tmp/in", "fs.read:/private/tmp/in", "llm:gpt-4o-mini"] on macOS
 * sched.spawn(researcher, { caps });
 * ```
 */
export async function realCaps(caps: readonly CapabilitySpec[] | CapSet): Promise<CapSet> {
  const set = CapSet.parse(caps);
  const real = new Map<string, string>();
  for (const path of set.pathScopes()) real.set(path, await resolveForCheck(path, "/"));
  if ([...real].every(([path, to]) => path === to)) return set;
  return set.withPaths((path) => [path, real.get(path) ?? path]);
}
