// A local OpenAI-compatible upstream for the proxy tests and benchmark: node:http on 127.0.0.1
// (port 0). Answers /chat/completions like OpenAI does, non-streamed or as SSE (role chunk,
// content deltas, tool-call deltas split across chunks, finish chunk, and with
// stream_options.include_usage `"usage": null` on every chunk plus the final usage-only chunk),
// and /responses with a Response object or its typed event stream. Can be told to fail (429, 500),
// and records every request it received and the exact bytes of every event it sent.
import http from "node:http";
import type { AddressInfo } from "node:net";

export type ScriptedToolCall = { id: string; name: string; argumentParts: string[] };

export type Reply = {
  /** Content deltas, in order (joined for a non-streamed answer). */
  content: string[];
  toolCalls?: ScriptedToolCall[];
  finishReason?: string;
  usage?: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number; reasoning_tokens?: number };
  /** Pause before the first chunk and between chunks (ms), to make timing observable. */
  firstChunkDelayMs?: number;
  chunkDelayMs?: number;
};

export type Failure = { status: number; body: unknown; headers?: Record<string, string> };

export type ReceivedRequest = { path: string; headers: http.IncomingHttpHeaders; body: Record<string, unknown> };

export const DEFAULT_REPLY: Reply = {
  content: ["Hello", " from", " the", " upstream."],
  finishReason: "stop",
  usage: { prompt_tokens: 21, completion_tokens: 4, cached_tokens: 0, reasoning_tokens: 0 },
};

export type OpenAiUpstream = {
  url: string;
  received: ReceivedRequest[];
  /** Exact bytes of every SSE event sent, per streamed request, in order. */
  sentEvents: string[][];
  /** Raw bodies of non-streamed answers, per request. */
  sentBodies: string[];
  /** Queues a failure for the next request (one per call; requests without one get `reply`). */
  failNext(failure: Failure): void;
  reply: Reply;
  /** How many streamed answers the caller's side cut off before their end. */
  abortedRequests: number;
  close(): Promise<void>;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startOpenAiUpstream(): Promise<OpenAiUpstream> {
  const failures: Failure[] = [];
  const state: OpenAiUpstream = {
    url: "",
    received: [],
    sentEvents: [],
    sentBodies: [],
    reply: DEFAULT_REPLY,
    abortedRequests: 0,
    failNext: (f) => void failures.push(f),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  /** Starts an SSE answer; `send` writes one event after the reply's delay, unless the caller left. */
  function openStream(res: http.ServerResponse, n: number) {
    const events: string[] = [];
    state.sentEvents.push(events);
    let closedEarly = false;
    res.on("close", () => {
      if (!res.writableFinished) {
        closedEarly = true;
        state.abortedRequests += 1;
      }
    });
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-request-id": `req_${n}` });
    let first = true;
    return {
      async send(event: string) {
        const reply = state.reply;
        const delayMs = first ? (reply.firstChunkDelayMs ?? reply.chunkDelayMs ?? 0) : (reply.chunkDelayMs ?? 0);
        first = false;
        if (delayMs) await sleep(delayMs);
        if (closedEarly) return;
        events.push(event);
        res.write(event);
      },
      end() {
        if (!closedEarly) res.end();
      },
    };
  }

  async function answerWhole(res: http.ServerResponse, n: number, text: string) {
    state.sentBodies.push(text);
    if (state.reply.firstChunkDelayMs) await sleep(state.reply.firstChunkDelayMs);
    res.writeHead(200, { "content-type": "application/json", "x-request-id": `req_${n}`, "openai-processing-ms": "12", "x-ratelimit-remaining-requests": "4999" });
    res.end(text);
  }

  async function answerChat(res: http.ServerResponse, body: Record<string, unknown>, n: number) {
    const reply = state.reply;
    const id = `chatcmpl-${n}`;
    const model = `${String(body.model)}-2024-08-06`;
    const created = 1764150000;
    const usage = reply.usage && {
      prompt_tokens: reply.usage.prompt_tokens,
      completion_tokens: reply.usage.completion_tokens,
      total_tokens: reply.usage.prompt_tokens + reply.usage.completion_tokens,
      prompt_tokens_details: { cached_tokens: reply.usage.cached_tokens ?? 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: reply.usage.reasoning_tokens ?? 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    };
    const finishReason = reply.finishReason ?? (reply.toolCalls?.length ? "tool_calls" : "stop");

    if (body.stream !== true) {
      const message = {
        role: "assistant",
        content: reply.content.length ? reply.content.join("") : null,
        refusal: null,
        ...(reply.toolCalls?.length
          ? { tool_calls: reply.toolCalls.map((t) => ({ id: t.id, type: "function", function: { name: t.name, arguments: t.argumentParts.join("") } })) }
          : {}),
        annotations: [],
      };
      const choice = { index: 0, message, logprobs: null, finish_reason: finishReason };
      const completion = { id, object: "chat.completion", created, model, choices: [choice], ...(usage ? { usage } : {}), service_tier: "default", system_fingerprint: "fp_test" };
      return answerWhole(res, n, JSON.stringify(completion));
    }

    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const stream = openStream(res, n);
    const send = (payload: unknown) => stream.send(`data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}\n\n`);
    const base = { id, object: "chat.completion.chunk", created, model, service_tier: "default", system_fingerprint: "fp_test" };
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    });

    await send(chunk({ role: "assistant", content: reply.toolCalls?.length && !reply.content.length ? null : "", refusal: null }));
    for (const part of reply.content) await send(chunk({ content: part }));
    for (const [index, call] of (reply.toolCalls ?? []).entries()) {
      await send(chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] }));
      for (const part of call.argumentParts) await send(chunk({ tool_calls: [{ index, function: { arguments: part } }] }));
    }
    await send(chunk({}, finishReason));
    if (includeUsage && usage) await send({ ...base, choices: [], usage });
    await send("[DONE]");
    stream.end();
  }

  /** The Responses API: a Response object, or its event stream (created … deltas … completed). */
  async function answerResponses(res: http.ServerResponse, body: Record<string, unknown>, n: number) {
    const reply = state.reply;
    const messageItem = { id: `msg_${n}`, type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: reply.content.join(""), annotations: [], logprobs: [] }] };
    const callItems = (reply.toolCalls ?? []).map((t, i) => ({ id: `fc_${n}_${i}`, type: "function_call", status: "completed", call_id: t.id, name: t.name, arguments: t.argumentParts.join("") }));
    const output = [...(reply.content.length ? [messageItem] : []), ...callItems];
    const usage = reply.usage && {
      input_tokens: reply.usage.prompt_tokens,
      input_tokens_details: { cached_tokens: reply.usage.cached_tokens ?? 0 },
      output_tokens: reply.usage.completion_tokens,
      output_tokens_details: { reasoning_tokens: reply.usage.reasoning_tokens ?? 0 },
      total_tokens: reply.usage.prompt_tokens + reply.usage.completion_tokens,
    };
    const response = (status: string, out: unknown[]) => ({
      id: `resp_${n}`,
      object: "response",
      created_at: 1764150000,
      status,
      error: null,
      incomplete_details: null,
      instructions: body.instructions ?? null,
      model: `${String(body.model)}-2024-08-06`,
      output: out,
      parallel_tool_calls: true,
      tool_choice: body.tool_choice ?? "auto",
      tools: body.tools ?? [],
      usage: status === "completed" ? (usage ?? null) : null,
    });
    if (body.stream !== true) return answerWhole(res, n, JSON.stringify(response("completed", output)));

    const stream = openStream(res, n);
    let sequence = 0;
    const send = (type: string, fields: Record<string, unknown>) => stream.send(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`);
    await send("response.created", { response: response("in_progress", []) });
    await send("response.in_progress", { response: response("in_progress", []) });
    let outputIndex = 0;
    if (reply.content.length) {
      const itemId = messageItem.id;
      await send("response.output_item.added", { output_index: outputIndex, item: { ...messageItem, status: "in_progress", content: [] } });
      await send("response.content_part.added", { item_id: itemId, output_index: outputIndex, content_index: 0, part: { type: "output_text", text: "", annotations: [] } });
      for (const delta of reply.content) await send("response.output_text.delta", { item_id: itemId, output_index: outputIndex, content_index: 0, delta, logprobs: [] });
      await send("response.output_text.done", { item_id: itemId, output_index: outputIndex, content_index: 0, text: reply.content.join(""), logprobs: [] });
      await send("response.content_part.done", { item_id: itemId, output_index: outputIndex, content_index: 0, part: messageItem.content[0] });
      await send("response.output_item.done", { output_index: outputIndex++, item: messageItem });
    }
    for (const [i, item] of callItems.entries()) {
      await send("response.output_item.added", { output_index: outputIndex, item: { ...item, status: "in_progress", arguments: "" } });
      for (const delta of reply.toolCalls![i].argumentParts) await send("response.function_call_arguments.delta", { item_id: item.id, output_index: outputIndex, delta });
      await send("response.function_call_arguments.done", { item_id: item.id, output_index: outputIndex, arguments: item.arguments });
      await send("response.output_item.done", { output_index: outputIndex++, item });
    }
    await send("response.completed", { response: response("completed", output) });
    stream.end();
  }

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    state.received.push({ path: req.url ?? "", headers: req.headers, body });
    const n = state.received.length;

    const failure = failures.shift();
    if (failure) {
      res.writeHead(failure.status, { "content-type": "application/json", "x-request-id": `req_fail_${n}`, ...failure.headers });
      res.end(typeof failure.body === "string" ? failure.body : JSON.stringify(failure.body));
      return;
    }
    if (req.url?.split("?")[0].endsWith("/responses")) await answerResponses(res, body, n);
    else await answerChat(res, body, n);
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}
