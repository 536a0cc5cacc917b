// lib/client/api.ts against a real HTTP server on loopback: how server answers become values or
// ApiClientErrors that forms can show field by field.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { api, ApiClientError, errorMessage, fieldErrorsOf, noContent } from "@/lib/client/api";

type Reply = { status: number; body: string; type?: string };
const replies = new Map<string, Reply>([
  ["/ok", { status: 200, body: JSON.stringify({ apiKeys: [{ id: "k1" }] }) }],
  ["/created", { status: 201, body: JSON.stringify({ echo: true }) }],
  ["/empty", { status: 204, body: "" }],
  [
    "/invalid",
    {
      status: 400,
      body: JSON.stringify({
        error: {
          code: "invalid_request",
          message: "Invalid body: email: Enter a valid email address (and 2 more)",
          fields: [
            { path: "email", message: "Enter a valid email address" },
            { path: "email", message: "second message for the same field" },
            { path: "password", message: "At least 8 characters" },
          ],
        },
      }),
    },
  ],
  ["/forbidden", { status: 403, body: JSON.stringify({ error: { code: "forbidden", message: "Your role (member) does not allow apiKeys:manage" } }) }],
  ["/html-error", { status: 502, body: "<html>Bad gateway</html>", type: "text/html" }],
  ["/wrong-shape", { status: 200, body: JSON.stringify({ something: "else" }) }],
]);

const seen: { method?: string; type?: string; body: string }[] = [];
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ method: req.method, type: req.headers["content-type"], body });
      const reply = replies.get(req.url ?? "") ?? { status: 404, body: "" };
      res.writeHead(reply.status, { "content-type": reply.type ?? "application/json" });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("api client", () => {
  it("returns the body parsed by the caller's schema", async () => {
    const keys = await api.get(`${base}/ok`, z.object({ apiKeys: z.array(z.object({ id: z.string() })) }));
    expect(keys.apiKeys[0].id).toBe("k1");
  });

  it("sends JSON bodies with their content type", async () => {
    await api.post(`${base}/created`, noContent, { name: "Production" });
    expect(seen.at(-1)).toMatchObject({ method: "POST", type: "application/json", body: '{"name":"Production"}' });
    await api.patch(`${base}/created`, noContent, { role: "admin" });
    expect(seen.at(-1)).toMatchObject({ method: "PATCH", body: '{"role":"admin"}' });
  });

  it("accepts an empty 204 with noContent", async () => {
    await expect(api.delete(`${base}/empty`, noContent)).resolves.toBeUndefined();
  });

  it("turns the error shape into an ApiClientError with field messages (first per field)", async () => {
    const error = await api.post(`${base}/invalid`, noContent, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiClientError);
    const e = error as ApiClientError;
    expect(e.status).toBe(400);
    expect(e.code).toBe("invalid_request");
    expect(e.fieldErrors()).toEqual({ email: "Enter a valid email address", password: "At least 8 characters" });
    expect(fieldErrorsOf(e).password).toBe("At least 8 characters");
  });

  it("keeps the server's message for errors without fields", async () => {
    const error = await api.delete(`${base}/forbidden`, noContent).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 403, code: "forbidden", fields: [] });
    expect(errorMessage(error)).toBe("Your role (member) does not allow apiKeys:manage");
    expect(fieldErrorsOf(error)).toEqual({});
  });

  it("reports a non-JSON error page by its status", async () => {
    const error = await api.get(`${base}/html-error`, noContent).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, code: "http_error" });
  });

  it("refuses a success body that does not match the schema", async () => {
    const error = await api.get(`${base}/wrong-shape`, z.object({ apiKeys: z.array(z.unknown()) })).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 200, code: "invalid_response" });
  });

  it("reports an unreachable server as a network error", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await api.get(`http://127.0.0.1:${port}/`, noContent).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, code: "network_error" });
  });
});
