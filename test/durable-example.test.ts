import { describe, expect, it } from "vitest";
import { runDurableExample } from "../examples/durable.js";

describe("durable example", () => {
  it("example:durable is killed mid-way, recovers in a new process and finishes without repeating completed steps", async () => {
    const { first, second } = await runDurableExample();
    expect(first).toMatch(/create account for ada \(idempotency key onboard-ada:1\)/);
    expect(first).toMatch(/send welcome mail/);
    expect(first).not.toMatch(/result:/);
    expect(second).toMatch(/recovered onboard-ada from the journal/);
    expect(second).not.toMatch(/\] create account/); // journaled before the kill: not run again
    expect(second).toMatch(/send welcome mail to ada \(idempotency key onboard-ada:2\)/); // in flight: again, same key
    expect(second).toMatch(/result: \{"user":"ada","account":"create account for ada","mail":"send welcome mail to ada","billing":"start pro plan billing"/);
  }, 60_000);
});
