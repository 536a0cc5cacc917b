// Message content helpers shared by normalization (multimodal stripping), privacy mode and the
// routing filters (the `input` / `output` text a rule matches against).
import type { Message } from "@/lib/traces/schema";

/** Content part types that carry plain text (OpenAI chat + Responses API spellings). */
const TEXT_PART_TYPES = new Set(["text", "input_text", "output_text", "refusal"]);

/** Human word for a non-text part in its placeholder: `[image omitted]`. */
const PART_KIND: Record<string, string> = {
  image_url: "image",
  input_image: "image",
  image: "image",
  input_audio: "audio",
  audio: "audio",
  file: "file",
  input_file: "file",
  video_url: "video",
  video: "video",
};

export function omittedPlaceholder(kind: string): string {
  return `[${kind} omitted]`;
}

type ContentPart = { type: string; [key: string]: unknown };

function stripPart(part: ContentPart): ContentPart {
  if (TEXT_PART_TYPES.has(part.type)) return part;
  return { type: "text", text: omittedPlaceholder(PART_KIND[part.type] ?? part.type) };
}

// Message keys whose values are text/structure we model; anything else on a (loose) message is
// provider-specific and may embed media (OpenAI `audio.data`, OpenRouter `images[]`).
const MODELLED_MESSAGE_KEYS = new Set(["role", "content", "name", "tool_calls", "tool_call_id", "reasoning"]);

const DATA_URL = /^data:([a-z]+)\/[^;,]*(;[^,]*)?,/i;
/** Base64 blobs above this size are media, not text (a 4 KiB base64 string is ~3 KiB of bytes). */
const BLOB_MIN_LENGTH = 4096;
const BASE64_BLOB = /^[A-Za-z0-9+/=\r\n]+$/;

/** Replaces data: URLs and large base64 blobs anywhere inside `value` with a placeholder. */
function stripEmbeddedMedia(value: unknown): unknown {
  if (typeof value === "string") {
    const dataUrl = DATA_URL.exec(value);
    if (dataUrl) return omittedPlaceholder(PART_KIND[dataUrl[1].toLowerCase()] ?? dataUrl[1].toLowerCase());
    if (value.length >= BLOB_MIN_LENGTH && BASE64_BLOB.test(value)) return omittedPlaceholder("binary data");
    return value;
  }
  if (Array.isArray(value)) return value.map(stripEmbeddedMedia);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripEmbeddedMedia(v)]));
  }
  return value;
}

/**
 * Multimodal stripping: every non-text content part becomes a text part holding a short
 * placeholder (`[image omitted]`, `[audio omitted]`, `[file omitted]`, `[<type> omitted]`).
 * A placeholder rather than deletion keeps the message structure and part order intact, so a
 * reader still sees that (and where) the user attached an image, and index-based consumers of
 * the parts (OTLP `gen_ai.input.messages`, Langfuse's chat view) line up with the original request.
 * Media embedded in provider-specific message keys (data: URLs, large base64) is replaced too.
 */
export function stripMultimodal(messages: Message[]): Message[] {
  return messages.map((m) => {
    let out: Message = m;
    if (Array.isArray(m.content)) out = { ...out, content: m.content.map(stripPart) };
    for (const key of Object.keys(m)) {
      if (!MODELLED_MESSAGE_KEYS.has(key)) out = { ...out, [key]: stripEmbeddedMedia(m[key]) };
    }
    return out;
  });
}

/** The text of one message's content: the string, or its text parts joined by newlines. */
export function contentText(content: Message["content"]): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const texts: string[] = [];
  for (const part of content) {
    const text = part.text ?? part.refusal;
    if (typeof text === "string") texts.push(text);
  }
  return texts.join("\n");
}

/**
 * The flattened text of a list of messages, as filter rules on `input` / `output` see it: each
 * message's content text, then its tool-call arguments (for a tool-calling completion the
 * arguments *are* the output), in order, separated by newlines. Reasoning is not included.
 */
export function messagesText(messages: Message[]): string {
  const parts: string[] = [];
  for (const m of messages) {
    const text = contentText(m.content);
    if (text) parts.push(text);
    for (const call of m.tool_calls ?? []) if (call.function.arguments) parts.push(call.function.arguments);
  }
  return parts.join("\n");
}
