import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Scheduler, TimeoutError } from "../src/index.js";
import { LlmError, llm, openAiProvider, registerLlm, type LlmResult, type LlmServiceOptions } from "../src/agent/index.js";

type Responder = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A chat-completions server on 127.0.0.1 answering each request with the next scripted responder. */
let server: Server;
let baseURL: string;
let script: Responder[] = [];
let seen: { auth?: string; body: Record<string, unknown> }[] = [];
let closedEarly = 0;

const completion = (content: string) => ({
  id: "cmpl-1",
  model: "gpt-test-0613",
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
  usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
});
const json = (status: number, value: unknown, headers: Record<string, string> = {}): Responder => (_req, res) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      seen.push({ auth: req.headers.authorization, body: JSON.parse(body) });
      res.on("close", () => {
        if (!res.writableFinished) closedEarly++;
      });
      const next = script.shift() ?? json(500, { error: { message: "no scripted answer left" } });
      next(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  script = [];
  seen = [];
  closedEarly = 0;
});

/** Runs one query on a real-clock scheduler; resolves with its result or its error. */
async function query(options: LlmServiceOptions = {}, timeout?: number): Promise<{ result?: LlmResult; error?: unknown; ms: number }> {
  const sched = new Scheduler();
  registerLlm(sched, openAiProvider({ baseURL, apiKey: "sk-test" }), { retry: { baseMs: 10 }, ...options });
  const t = sched.spawn(function* () {
    return yield* llm.query({ model: "gpt-test", messages: [{ role: "user", content: "hi" }], maxTokens: 5, ...(timeout ? { timeout } : {}) });
  });
  const start = performance.now();
  await sched.run().catch(() => {});
  const ms = performance.now() - start;
  return t.done.then((result) => ({ result, ms }), (error) => ({ error, ms }));
}

describe("openAiProvider", () => {
  it("posts the chat-completions shape with the bearer key and maps the answer", async () => {
    script = [json(200, completion("hello"))];
    const { result } = await query();
    expect(result).toMatchObject({
      text: "hello",
      model: "gpt-test-0613",
      provider: "openai-compatible",
      attempts: 1,
      finishReason: "stop",
      usage: { promptTokens: 5, completionTokens: 1, totalTokens: 6 },
    });
    expect(seen).toEqual([{ auth: "Bearer sk-test", body: { model: "gpt-test", messages: [{ role: "user", content: "hi" }], max_tokens: 5 } }]);
  });

  it("retries a 500 answer with backoff and returns the later success", async () => {
    script = [json(500, { error: { message: "overloaded" } }), json(200, completion("second time"))];
    const { result } = await query();
    expect(result).toMatchObject({ text: "second time", attempts: 2 });
    expect(seen).toHaveLength(2);
  });

  it("waits the retry-after of a 429 before trying again", async () => {
    script = [json(429, { error: { message: "slow down" } }, { "retry-after": "0.15" }), json(200, completion("ok"))];
    const { result, ms } = await query({ retry: { baseMs: 1 } });
    expect(result).toMatchObject({ text: "ok", attempts: 2 });
    expect(ms).toBeGreaterThanOrEqual(140);
  });

  it("gives up on repeated 429s with an LlmError naming the status, URL and server message", async () => {
    script = [1, 2, 3].map(() => json(429, { error: { message: "rate limited" } }, { "retry-after-ms": "5" }));
    const { error } = await query({ retry: { retries: 2 } });
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 5, attempts: 3 });
    expect((error as Error).message).toBe(`openai-compatible: HTTP 429 Too Many Requests from POST ${baseURL}chat/completions: rate limited`);
  });

  it("does not retry a 400 and reports the server's error message", async () => {
    script = [json(400, { error: { message: "model not found" } })];
    const { error } = await query();
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect((error as Error).message).toContain("HTTP 400 Bad Request");
    expect((error as Error).message).toContain("model not found");
    expect(seen).toHaveLength(1);
  });

  it("times out a slow answer through the request's signal", async () => {
    script = [(_req, res) => setTimeout(() => res.headersSent || res.destroyed || json(200, completion("late"))(_req, res, ""), 1_000)];
    const { error, ms } = await query({}, 80);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/"llm" timed out after 80 ms/);
    expect(ms).toBeLessThan(900);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closedEarly).toBe(1);
  });

  it("reports a body that is not JSON as malformed, quoting its start", async () => {
    script = [(_req, res) => res.writeHead(200, { "content-type": "application/json" }).end("{ not json")];
    const { error } = await query();
    expect(error).toBeInstanceOf(LlmError);
    expect((error as Error).message).toBe(`openai-compatible: malformed JSON in the HTTP 200 answer from POST ${baseURL}chat/completions: "{ not json"`);
  });

  it("reports JSON without choices[0].message.content as malformed", async () => {
    script = [json(200, { object: "error" })];
    const { error } = await query();
    expect((error as Error).message).toContain('expected choices[0].message.content, got "{\\"object\\":\\"error\\"}"');
  });

  it("rejects a missing baseURL and unknown options with errors naming them", () => {
    expect(() => openAiProvider({} as never)).toThrow('openAiProvider: `baseURL` is required, e.g. "https://api.openai.com/v1"; got undefined');
    expect(() => openAiProvider({ baseURL: "not a url" })).toThrow('`baseURL` is not a valid URL: "not a url"');
    expect(() => openAiProvider({ baseURL, apikey: "x" } as never)).toThrow('openAiProvider: unknown option "apikey"; known options: baseURL, apiKey, name, headers, fetch');
  });
});
