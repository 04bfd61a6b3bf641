import type { TaskInfo } from "../kernel/types.js";

type Column = [header: string, cell: (t: TaskInfo) => string, align: "left" | "right"];

const ms = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

const COLUMNS: Column[] = [
  ["TID", (t) => String(t.tid), "right"],
  ["PPID", (t) => (t.parent === null ? "-" : String(t.parent)), "right"],
  ["NAME", (t) => t.name, "left"],
  ["STATUS", (t) => t.status, "left"],
  ["PRI", (t) => String(t.priority), "right"],
  ["QUEUED", (t) => ms(t.timeQueued), "right"],
  ["RUNNING", (t) => ms(t.timeRunning), "right"],
  ["SWITCHES", (t) => String(t.switches), "right"],
  ["WAITING ON", (t) => t.waitingOn, "left"],
];

/**
 * Formats `sched.ps()` as a Unix `ps`-style table: TID, PPID (`-` for a root task), NAME,
 * STATUS, PRI, QUEUED and RUNNING (ms of clock time), SWITCHES (times resumed), and WAITING ON
 * (what a blocked task waits for). Columns are padded to their widest cell; no trailing spaces.
 *
 * @example
 * ```ts
 * console.log(formatPs(sched.ps()));
 * // TID PPID NAME   STATUS   PRI QUEUED RUNNING SWITCHES WAITING ON
 * //   1    - main   waiting    0      0       0        2 wait #2 "worker"
 * //   2    1 worker sleeping   0      0       0        1 sleep until 100
 * ```
 */
export function formatPs(tasks: readonly TaskInfo[]): string {
  const cells = tasks.map((t) => COLUMNS.map(([, cell]) => cell(t)));
  const widths = COLUMNS.map(([header], i) => Math.max(header.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row
      .map((text, i) => (COLUMNS[i][2] === "right" ? text.padStart(widths[i]) : text.padEnd(widths[i])))
      .join(" ")
      .trimEnd();
  return [line(COLUMNS.map(([header]) => header)), ...cells.map(line)].join("\n");
}
