import { SubmitIO } from "../syscalls/submit-io.js";
import type { LlmResult } from "./llm-types.js";

/** A `SubmitIO` of an `"llm"` op whose "no handler" error says to call `registerLlm`. @internal */
export class LlmQuerySyscall extends SubmitIO<LlmResult> {
  override [Symbol.iterator](): Iterator<this, LlmResult, unknown> {
    const inner = super[Symbol.iterator]();
    // `yield*` hands a thrown error to this iterator first: the place to explain it.
    return {
      next: (value?: unknown) => inner.next(value),
      return: (value?: unknown) => inner.return!(value as LlmResult),
      throw: (error?: unknown) => inner.throw!(explainMissingHandler(error)),
    };
  }
}

function explainMissingHandler(error: unknown): unknown {
  if (!(error instanceof TypeError) || !error.message.startsWith('No handler for op type "llm"')) return error;
  return new TypeError(
    "llm.query: no LLM provider is registered on this scheduler: call registerLlm(sched, provider) before run(), " +
      'e.g. registerLlm(sched, openAiProvider({ baseURL, apiKey })) or registerLlm(sched, offlineProvider()) (from "yieldos/agent")',
    { cause: error },
  );
}

