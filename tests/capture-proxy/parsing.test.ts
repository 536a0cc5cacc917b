// The pieces that read the upstream's answer: SSE splitting at any chunk boundary, chunk
// assembly, usage mapping, error bodies, and the price table.
import { describe, expect, it } from "vitest";
import { closeTruncatedJson, upstreamErrorOf, usageOf } from "@/lib/capture-proxy/answer";
import { ChatStreamAssembler, completionResponseOf, isUsageOnlyChunk } from "@/lib/capture-proxy/chat-completions";
import { SseSplitter } from "@/lib/capture-proxy/sse";
import { costOf, priceOf } from "@/lib/capture-proxy/prices";

const EVENTS = [
  'data: {"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n',
  ': keep-alive comment\n\n',
  'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"Bonjour é"}}]}\n\n',
  "data: [DONE]\n\n",
];

describe("SseSplitter", () => {
  it("finds the same events whatever the chunk boundaries, even inside a multi-byte character", () => {
    const bytes = Buffer.from(EVENTS.join(""), "utf8");
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const splitter = new SseSplitter();
      const raws: string[] = [];
      const datas: (string | null)[] = [];
      for (let i = 0; i < bytes.length; i += size) {
        for (const event of splitter.push(bytes.subarray(i, i + size))) {
          raws.push(event.raw.toString("utf8"));
          datas.push(event.data);
        }
      }
      expect(raws).toEqual(EVENTS);
      expect(datas).toEqual([EVENTS[0].slice(6, -2), null, EVENTS[2].slice(6, -2), "[DONE]"]);
      expect(splitter.rest().length).toBe(0);
    }
  });

  it("handles CRLF line endings, multi-line data and an unfinished last event", () => {
    const splitter = new SseSplitter();
    const events = splitter.push(Buffer.from("event: x\r\ndata: a\r\ndata:b\r\n\r\ndata: partial"));
    expect(events.map((e) => e.data)).toEqual(["a\nb"]);
    expect(events[0].raw.toString()).toBe("event: x\r\ndata: a\r\ndata:b\r\n\r\n");
    expect(splitter.rest().toString()).toBe("data: partial");
  });
});

describe("ChatStreamAssembler", () => {
  it("merges tool-call deltas by index, joins content and reasoning, and keeps choices apart", () => {
    const a = new ChatStreamAssembler();
    const chunks = [
      { id: "c", model: "m", choices: [{ index: 0, delta: { role: "assistant", content: null } }, { index: 1, delta: { role: "assistant", content: "" } }] },
      { choices: [{ index: 0, delta: { reasoning_content: "think " } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: "t2", type: "function", function: { name: "b", arguments: "" } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "t1", type: "function", function: { name: "a", arguments: '{"x"' } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 1, function: { arguments: "{}" } }, { index: 0, function: { arguments: ":1}" } }] } }] },
      { choices: [{ index: 1, delta: { content: "second" }, finish_reason: "stop" }] },
      { choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] },
      { choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12, completion_tokens_details: { reasoning_tokens: 2 } } },
    ];
    const produced = chunks.map((c) => a.add(c));
    // Only chunks with generated output count for the time to first token.
    expect(produced).toEqual([false, true, true, true, true, true, false, false]);
    expect(a.result()).toEqual({
      id: "c",
      model: "m",
      finishReason: "tool_calls",
      usage: { input_tokens: 5, output_tokens: 7, total_tokens: 12, reasoning_tokens: 2 },
      error: undefined,
      messages: [
        {
          role: "assistant",
          content: null,
          reasoning: "think ",
          tool_calls: [
            { id: "t1", type: "function", function: { name: "a", arguments: '{"x":1}' } },
            { id: "t2", type: "function", function: { name: "b", arguments: "{}" } },
          ],
        },
        { role: "assistant", content: "second" },
      ],
    });
  });

  it("records an error the upstream reports inside the stream", () => {
    const a = new ChatStreamAssembler();
    a.add({ error: { message: "overloaded", code: "server_error" } });
    expect(a.result().error).toEqual({ message: "overloaded", code: "server_error" });
  });
});

describe("answers and errors", () => {
  it("recognises only the usage-only final chunk", () => {
    expect(isUsageOnlyChunk({ choices: [], usage: { prompt_tokens: 1 } })).toBe(true);
    expect(isUsageOnlyChunk({ choices: [], usage: null })).toBe(false);
    expect(isUsageOnlyChunk({ choices: [{ index: 0, delta: {} }], usage: { prompt_tokens: 1 } })).toBe(false);
  });

  it("maps OpenAI usage, including the Responses API names, and derives a missing total", () => {
    expect(usageOf({ prompt_tokens: 3, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 1 } })).toEqual({ input_tokens: 3, output_tokens: 4, total_tokens: 7, cached_tokens: 1 });
    expect(usageOf({ input_tokens: 2, output_tokens: 1, output_tokens_details: { reasoning_tokens: 1 } })).toEqual({ input_tokens: 2, output_tokens: 1, total_tokens: 3, reasoning_tokens: 1 });
    expect(usageOf(null)).toBeUndefined();
    expect(usageOf({ prompt_tokens: -1 })).toBeUndefined();
  });

  it("extracts message and code from OpenAI error bodies, and the text of anything else", () => {
    expect(upstreamErrorOf('{"error":{"message":"bad","type":"invalid_request_error","code":null}}')).toEqual({ message: "bad", code: "invalid_request_error" });
    expect(upstreamErrorOf("<html>502 Bad Gateway</html>")).toEqual({ message: "<html>502 Bad Gateway</html>" });
    expect(upstreamErrorOf("")).toEqual({ message: "(empty response body)" });
  });

  it("keeps the text of a response message the trace model cannot describe", () => {
    const r = completionResponseOf(JSON.stringify({ choices: [{ message: { role: "assistant", content: "hi", tool_calls: [{ type: "custom", custom: { name: "x" } }] }, finish_reason: "stop" }] }));
    expect(r.messages).toEqual([{ role: "assistant", content: "hi" }]);
    expect(r.finishReason).toBe("stop");
  });
});

describe("prices", () => {
  it("matches exact models and dated snapshots, never a longer model by prefix", () => {
    expect(priceOf("gpt-4o-mini-2024-07-18")).toEqual(priceOf("gpt-4o-mini"));
    expect(priceOf("openai/gpt-4o")).toEqual({ input: 2.5, output: 10, cachedInput: 1.25 });
    expect(priceOf("claude-sonnet-4-20250514")).toEqual(priceOf("claude-sonnet-4"));
    expect(priceOf("gpt-4o-mini")).not.toEqual(priceOf("gpt-4o"));
    expect(priceOf("gpt-4o-audio-preview")).toBeUndefined();
    expect(priceOf("my-finetune")).toBeUndefined();
  });

  it("prices cached input at the cached rate and falls back to the next model name", () => {
    const cost = costOf([undefined, "unknown", "gpt-4.1"], { input_tokens: 1_000_000, output_tokens: 1_000_000, cached_tokens: 500_000 })!;
    expect(cost.input).toBeCloseTo(0.5 * 2 + 0.5 * 0.5, 10);
    expect(cost.output).toBeCloseTo(8, 10);
    expect(cost.total).toBeCloseTo(9.25, 10);
    expect(costOf(["nope"], { input_tokens: 1, output_tokens: 1 })).toBeUndefined();
  });
});

describe("closeTruncatedJson (the kept start of an answer past the traced body cap)", () => {
  it.each([
    ['{"id":"c1","choices":[{"message":{"content":"Hel', { id: "c1", choices: [{ message: { content: "Hel" } }] }],
    ['{"id":"c1","n":12,"mo', { id: "c1", n: 12 }],
    ['{"id":"c1","list":[1,2,3', { id: "c1", list: [1, 2] }],
    ['{"id":"c1","text":"a\\"b\\u00e', { id: "c1" }],
    ['{"id":"c1","text":"a\\"b\\u00e9', { id: "c1", text: 'a"bé' }],
    ['{"id":"c1","text":"a\\', { id: "c1" }],
    ['{"id":"c1","o":{"k":"v"}', { id: "c1", o: { k: "v" } }],
  ])("%s", (text, expected) => expect(JSON.parse(closeTruncatedJson(text) ?? "null")).toEqual(expected));

  it("gives up when nothing complete is left", () => {
    expect(closeTruncatedJson('{"ke')).toBeUndefined();
    expect(closeTruncatedJson('{"id":')).toBeUndefined();
  });
});
