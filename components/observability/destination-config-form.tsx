"use client";

import { PlusIcon, Trash2Icon, WandSparklesIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Switch } from "@/components/ui/switch";
import { Textarea } from "@/components/ui/textarea";
import type { FieldDescriptor } from "@/lib/destinations/define";
import { isMaskedValue } from "@/lib/outbound/masking";
import { applicableFields, fieldError, generateSecret, headerRow, isRequired, type ConfigValues, type FieldValue, type HeaderRow, type SecretValue } from "./config-form-state";

function FieldLabel({ field }: { field: FieldDescriptor }) {
  return (
    <>
      {field.label}
      {isRequired(field) ? (
        <span className="text-destructive" aria-hidden>
          *
        </span>
      ) : (
        <span className="text-muted-foreground text-xs font-normal">(optional)</span>
      )}
    </>
  );
}

/** A saved secret shows masked with "Replace"; a new one is a password input (write-only either way). */
function SecretInput({
  field,
  value,
  onChange,
  control,
  disabled,
}: {
  field: FieldDescriptor;
  value: SecretValue;
  onChange: (value: SecretValue) => void;
  control: React.ComponentProps<"input"> & React.ComponentProps<"textarea">;
  disabled: boolean;
}) {
  const generate = field.generate;
  if (value.kind === "stored") {
    return (
      <div className="flex gap-2">
        <Input {...control} value={value.masked} readOnly className="bg-muted/50 font-mono" />
        {!disabled && (
          <Button type="button" variant="outline" onClick={() => onChange({ kind: "new", value: "" })} aria-label={`Replace ${field.label}`}>
            Replace
          </Button>
        )}
      </div>
    );
  }
  if (value.generated) {
    // Shown in clear until saved, like a new API key: afterwards it is masked for good.
    return (
      <div className="grid gap-2">
        <div className="flex gap-2">
          <Input {...control} value={value.value} readOnly className="font-mono" />
          <CopyButton value={value.value} label={`Copy ${field.label}`} variant="outline" />
          <Button type="button" variant="ghost" onClick={() => onChange({ kind: "new", value: "" })} disabled={disabled}>
            Clear
          </Button>
        </div>
        <p className="text-muted-foreground text-xs">Copy it now and give it to your receiver: once saved it is shown masked.</p>
      </div>
    );
  }
  if (field.multiline) {
    // A textarea keeps the line breaks of a pasted PEM key (a password input drops them).
    return (
      <Textarea
        {...control}
        autoComplete="off"
        spellCheck={false}
        placeholder={field.placeholder}
        value={value.value}
        disabled={disabled}
        rows={6}
        className="max-h-40 font-mono text-xs [-webkit-text-security:disc] focus:[-webkit-text-security:none]"
        onChange={(e) => onChange({ kind: "new", value: e.target.value })}
      />
    );
  }
  const input = (
    <Input
      {...control}
      type="password"
      autoComplete="new-password"
      spellCheck={false}
      placeholder={field.placeholder}
      value={value.value}
      disabled={disabled}
      onChange={(e) => onChange({ kind: "new", value: e.target.value })}
    />
  );
  if (!generate || disabled) return input;
  return (
    <div className="flex gap-2">
      {input}
      <Button type="button" variant="outline" onClick={() => onChange({ kind: "new", value: generateSecret(generate), generated: true })}>
        <WandSparklesIcon aria-hidden /> Generate
      </Button>
    </div>
  );
}

/**
 * Custom headers: names in clear, values write-only. A saved header comes back with its value
 * masked; it is kept as it is (the server keeps a value sent back masked), its value replaced
 * ("Replace"), or the header removed. Its name is fixed: renaming is removing it and adding one.
 */
function HeadersEditor({
  field,
  rows,
  onChange,
  describedBy,
  invalid,
  disabled,
}: {
  field: FieldDescriptor;
  rows: HeaderRow[];
  onChange: (rows: HeaderRow[]) => void;
  describedBy?: string;
  invalid?: boolean;
  disabled: boolean;
}) {
  const update = (id: string, change: Partial<HeaderRow>) => onChange(rows.map((r) => (r.id === id ? { ...r, ...change } : r)));
  return (
    <div className="grid gap-2">
      {rows.map((row, i) => {
        const saved = isMaskedValue(row.value);
        return (
          <div key={row.id} className="grid grid-cols-[minmax(0,2fr)_minmax(0,3fr)_auto] gap-2">
            <Input
              aria-label={`Header ${i + 1} name`}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              placeholder="Header-Name"
              spellCheck={false}
              value={row.name}
              readOnly={saved}
              disabled={disabled}
              onChange={(e) => update(row.id, { name: e.target.value })}
              className={saved ? "bg-muted/50 font-mono" : "font-mono"}
            />
            {saved ? (
              <div className="flex gap-2">
                <Input aria-label={`Header ${i + 1} value`} value={row.value} readOnly disabled={disabled} className="bg-muted/50 font-mono" />
                {!disabled && (
                  <Button type="button" variant="outline" onClick={() => update(row.id, { value: "" })} aria-label={`Replace the value of ${row.name}`}>
                    Replace
                  </Button>
                )}
              </div>
            ) : (
              <Input
                aria-label={`Header ${i + 1} value`}
                placeholder="value"
                spellCheck={false}
                value={row.value}
                disabled={disabled}
                onChange={(e) => update(row.id, { value: e.target.value })}
                className="font-mono"
              />
            )}
            <Button
              type="button"
              variant="ghost"
              size="icon"
              aria-label={`Remove header ${i + 1}`}
              disabled={disabled}
              onClick={() => onChange(rows.filter((r) => r.id !== row.id))}
            >
              <Trash2Icon aria-hidden />
            </Button>
          </div>
        );
      })}
      {!disabled && (
        <Button type="button" variant="outline" size="sm" className="w-fit" onClick={() => onChange([...rows, headerRow()])}>
          <PlusIcon aria-hidden /> Add header
        </Button>
      )}
      {rows.length === 0 && disabled && <p className="text-muted-foreground text-sm">No custom {field.label.toLowerCase()}.</p>}
    </div>
  );
}

/**
 * The settings form of any destination, generated from its definition's fields (fieldsOf in
 * lib/destinations/define.ts): labels, help, placeholders, required marks, select options,
 * switches, write-only secrets and a key/value editor for custom headers. `errors` are keyed by
 * the server's paths (`config.apiKey`), so a server refusal lands under its input.
 */
export function DestinationConfigForm({
  fields,
  values,
  onChange,
  errors,
  disabled = false,
}: {
  fields: readonly FieldDescriptor[];
  values: ConfigValues;
  onChange: (key: string, value: FieldValue) => void;
  errors: Record<string, string>;
  disabled?: boolean;
}) {
  return (
    <div className="grid gap-5">
      {applicableFields(fields, values).map((field) => {
        const value = values[field.key];
        const error = fieldError(errors, field.key);
        if (field.widget === "switch") {
          return (
            <FormField key={field.key} label={field.label} description={field.help} error={error} className="grid-cols-[1fr_auto] items-center gap-x-4 [&>p]:col-span-2">
              {(control) => (
                <Switch {...control} checked={value === true} disabled={disabled} onCheckedChange={(checked) => onChange(field.key, checked)} />
              )}
            </FormField>
          );
        }
        if (field.widget === "headers") {
          return (
            <FormField key={field.key} label={<FieldLabel field={field} />} description={field.help} error={error}>
              {(control) => (
                <div id={control.id} role="group" aria-label={field.label}>
                  <HeadersEditor
                    field={field}
                    rows={value as HeaderRow[]}
                    onChange={(rows) => onChange(field.key, rows)}
                    describedBy={control["aria-describedby"]}
                    invalid={control["aria-invalid"]}
                    disabled={disabled}
                  />
                </div>
              )}
            </FormField>
          );
        }
        return (
          <FormField key={field.key} label={<FieldLabel field={field} />} description={field.help} error={error}>
            {(control) => {
              const common = { ...control, "aria-required": isRequired(field) || undefined, name: field.key };
              switch (field.widget) {
                case "secret":
                  return (
                    <SecretInput field={field} value={value as SecretValue} onChange={(v) => onChange(field.key, v)} control={common} disabled={disabled} />
                  );
                case "select":
                  return (
                    <Select value={value as string} onValueChange={(v) => onChange(field.key, v)} disabled={disabled}>
                      <SelectTrigger {...control} className="w-full sm:w-64">
                        <SelectValue placeholder={field.placeholder ?? "Choose…"} />
                      </SelectTrigger>
                      <SelectContent>
                        {field.options?.map((o) => (
                          <SelectItem key={o.value} value={o.value}>
                            {o.label}
                          </SelectItem>
                        ))}
                      </SelectContent>
                    </Select>
                  );
                case "textarea":
                  return (
                    <Textarea {...common} placeholder={field.placeholder} value={value as string} disabled={disabled} onChange={(e) => onChange(field.key, e.target.value)} />
                  );
                default:
                  return (
                    <Input
                      {...common}
                      type={field.widget === "url" ? "url" : "text"}
                      inputMode={field.widget === "number" ? "decimal" : undefined}
                      spellCheck={false}
                      placeholder={field.placeholder ?? (field.default !== undefined ? String(field.default) : undefined)}
                      value={value as string}
                      disabled={disabled}
                      onChange={(e) => onChange(field.key, e.target.value)}
                    />
                  );
              }
            }}
          </FormField>
        );
      })}
    </div>
  );
}
