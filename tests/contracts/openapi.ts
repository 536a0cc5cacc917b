// Validators for request bodies against the platforms' official specs in ../shared/contracts/specs
// (provenance in SOURCES.md there). ajv 8 + ajv-formats:
//   OpenAPI 3.1 (Opik)                   → ajv/dist/2020, component schemas used as they are
//   OpenAPI 3.0 (Braintrust, Snowflake,  → each component schema converted to JSON Schema first
//                Langfuse)                 (@openapi-contrib/openapi-schema-to-json-schema: nullable, …)
//   JSON Schema (Datadog, derived)       → ajv draft-07
// Langfuse's YAML needs maxAliasCount: -1. strict:false because vendor specs carry keywords ajv's
// strict mode refuses (examples, x-* extensions). Tests call `describe.skipIf(!SPECS_AVAILABLE)` so they
// skip with a clear reason only when the specs folder is absent.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv, { type ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { fromSchema } from "@openapi-contrib/openapi-schema-to-json-schema";
import YAML from "yaml";

export const SPECS_DIR = process.env.TRACECAST_SPECS_DIR ?? fileURLToPath(new URL("../../../shared/contracts/specs", import.meta.url));
export const SPECS_AVAILABLE = fs.existsSync(SPECS_DIR);
export const SPECS_MISSING_REASON = `contract specs folder not found at ${SPECS_DIR} (set TRACECAST_SPECS_DIR)`;

type SchemaMap = Record<string, Record<string, unknown>>;

function readSpec(file: string): Record<string, unknown> {
  const text = fs.readFileSync(path.join(SPECS_DIR, file), "utf8");
  return file.endsWith(".json") ? (JSON.parse(text) as Record<string, unknown>) : (YAML.parse(text, { maxAliasCount: -1 }) as Record<string, unknown>);
}

function withFormats<T extends Ajv>(ajv: T): T {
  addFormats(ajv);
  // OpenAPI numeric formats carry no constraint JSON Schema can check.
  for (const f of ["int32", "int64", "float", "double"]) ajv.addFormat(f, true);
  return ajv;
}

const cache = new Map<string, (schemaName: string) => ValidateFunction>();

/** `validatorFor("opik-traces-batch.openapi.yaml")("TraceBatch_Write")` → an ajv validate function. */
export function openApiValidator(file: string): (schemaName: string) => ValidateFunction {
  const cached = cache.get(file);
  if (cached) return cached;
  const spec = readSpec(file);
  const version = String(spec.openapi ?? "");
  const schemas = ((spec.components as { schemas?: SchemaMap } | undefined)?.schemas ?? {}) as SchemaMap;
  const id = `https://contracts.tracecast.test/${file}`;
  let ajv: Ajv;
  let components: SchemaMap;
  if (version.startsWith("3.1")) {
    ajv = withFormats(new Ajv2020({ strict: false, allErrors: true }));
    components = schemas;
  } else if (version.startsWith("3.0")) {
    ajv = withFormats(new Ajv({ strict: false, allErrors: true }));
    components = Object.fromEntries(
      Object.entries(schemas).map(([name, schema]) => {
        const converted = fromSchema(schema as never, { cloneSchema: true }) as Record<string, unknown>;
        delete converted.$schema;
        return [name, converted];
      }),
    );
  } else {
    throw new Error(`${file} is not an OpenAPI 3.0/3.1 document`);
  }
  ajv.addSchema({ $id: id, components: { schemas: components } });
  const get = (schemaName: string) => {
    if (!(schemaName in components)) throw new Error(`${file} has no component schema ${schemaName}`);
    return ajv.getSchema(`${id}#/components/schemas/${schemaName}`)!;
  };
  cache.set(file, get);
  return get;
}

/** A validator for a schema inline in an operation (e.g. Snowflake's SubmitStatement requestBody). */
export function operationBodyValidator(file: string, pathName: string, method: "post" | "put"): ValidateFunction {
  const spec = readSpec(file);
  const op = (spec.paths as Record<string, Record<string, { requestBody: { content: Record<string, { schema: Record<string, unknown> }> } }>>)[pathName][method];
  const schema = fromSchema(op.requestBody.content["application/json"].schema as never, { cloneSchema: true }) as Record<string, unknown>;
  delete schema.$schema;
  return withFormats(new Ajv({ strict: false, allErrors: true })).compile(schema);
}

/** A plain JSON Schema file (draft-07), e.g. the derived Datadog schema. */
export function jsonSchemaValidator(file: string): ValidateFunction {
  const schema = readSpec(file);
  return withFormats(new Ajv({ strict: false, allErrors: true })).compile(schema);
}

/** Human-readable ajv errors for assertion messages. */
export function errorsOf(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
}
