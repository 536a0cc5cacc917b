import { describe, expect, it } from "vitest";
import { fieldError, headerRow, initialValues, toConfig, validateConfig, type SecretValue } from "@/components/observability/config-form-state";
import { fieldsOf } from "@/lib/destinations/define";
import { getDefinition } from "@/lib/destinations/registry";

// The real definitions, so the form logic is tested against the fields it will get.
const langfuse = fieldsOf(getDefinition("langfuse")!);
const webhook = fieldsOf(getDefinition("webhook")!);

describe("generated destination form values", () => {
  it("starts a new destination from the definition's defaults with empty, new secrets", () => {
    const values = initialValues(langfuse);
    expect(values.baseUrl).toBe("https://us.cloud.langfuse.com");
    expect(values.secretKey).toEqual({ kind: "new", value: "" });
    expect(initialValues(webhook).method).toBe("POST");
  });

  it("keeps saved secrets masked and never sends them back", () => {
    const values = initialValues(langfuse, { publicKey: "pk-l...EfGh", secretKey: "********", baseUrl: "https://eu.cloud.langfuse.com" });
    expect(values.secretKey).toEqual({ kind: "stored", masked: "********" });
    const config = toConfig(langfuse, values, "update");
    expect(config).not.toHaveProperty("secretKey");
    expect(config).not.toHaveProperty("publicKey");
    expect(config.baseUrl).toBe("https://eu.cloud.langfuse.com");
    // A stored secret satisfies "required".
    expect(validateConfig(langfuse, values)).toEqual({});
  });

  it("sends a replaced secret, and requires one once Replace was pressed", () => {
    const values = initialValues(langfuse, { publicKey: "pk-l...EfGh", secretKey: "********" });
    values.secretKey = { kind: "new", value: "" } satisfies SecretValue;
    expect(validateConfig(langfuse, values)["config.secretKey"]).toMatch(/required/);
    values.secretKey = { kind: "new", value: " sk-lf-new " };
    expect(toConfig(langfuse, values, "update").secretKey).toBe("sk-lf-new");
  });

  it("leaves blank optional fields out of a create and clears them (null) on an update", () => {
    const values = initialValues(langfuse);
    values.baseUrl = "";
    expect(toConfig(langfuse, values, "create")).not.toHaveProperty("baseUrl");
    expect(toConfig(langfuse, values, "update").baseUrl).toBeNull();
  });

  it("checks URLs and required fields before asking the server", () => {
    const values = initialValues(webhook);
    expect(validateConfig(webhook, values)["config.url"]).toMatch(/required/);
    values.url = "ftp://example.com/hook";
    expect(validateConfig(webhook, values)["config.url"]).toMatch(/http\(s\) URL/);
    values.url = "http://127.0.0.1:9999/hook";
    expect(validateConfig(webhook, values)).toEqual({});
  });

  it("turns header rows into an object and catches unnamed and duplicate headers", () => {
    const values = initialValues(webhook, { url: "http://x.test/", headers: { Authorization: "Bearer a" } });
    expect(values.headers).toEqual([expect.objectContaining({ name: "Authorization", value: "Bearer a" })]);
    values.headers = [headerRow("X-Team", "ml"), headerRow("", "")];
    expect(toConfig(webhook, values, "create").headers).toEqual({ "X-Team": "ml" });
    values.headers = [headerRow("X-Team", "a"), headerRow("x-team", "b")];
    expect(validateConfig(webhook, values)["config.headers"]).toMatch(/twice/);
    values.headers = [headerRow("", "value")];
    expect(validateConfig(webhook, values)["config.headers"]).toMatch(/name/);
  });

  it("finds the server's message for a field, including nested paths", () => {
    const errors = { "config.apiKey": "Api Key is required", "config.headers.X Bad": "Header names may only contain token characters" };
    expect(fieldError(errors, "apiKey")).toBe("Api Key is required");
    expect(fieldError(errors, "headers")).toMatch(/token characters/);
    expect(fieldError(errors, "url")).toBeUndefined();
  });
});
