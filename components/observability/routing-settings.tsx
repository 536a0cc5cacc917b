"use client";

import * as React from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ChevronDownIcon, PlusIcon, Trash2Icon } from "lucide-react";
import { INGEST_KEYS } from "@/components/api-keys/api";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Popover, PopoverContent, PopoverTrigger } from "@/components/ui/popover";
import { Select, SelectContent, SelectGroup, SelectItem, SelectLabel, SelectSeparator, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { Slider } from "@/components/ui/slider";
import { Switch } from "@/components/ui/switch";
import { cn } from "@/lib/client/utils";
import {
  isMetadataField,
  METADATA_FIELD_PREFIX,
  metadataKeyOf,
  NUMBER_FIELDS,
  OPERATOR_LABELS,
  OPENROUTER_STRING_FIELDS,
  TRACE_STRING_FIELDS,
  MAX_METADATA_KEY_LENGTH,
  type FilterField,
  type FilterOperator,
} from "@/lib/routing/filter-vocabulary";
import { errorMessage } from "@/lib/client/api";
import { GENERATION_METADATA_GROUPS, type GenerationMetadataSwitches as GenerationMetadataSettings } from "@/lib/traces/generation-metadata";
import {
  addGroup,
  addRule,
  CUSTOM_METADATA_LABEL,
  CUSTOM_METADATA_OPTION,
  FIELD_LABELS,
  isNumberField,
  operatorsFor,
  removeGroup,
  removeRule,
  ruleErrorKey,
  setLogic,
  takesValue,
  updateRule,
  type FilterDraft,
} from "./filter-builder-state";
import { formatRate, parsePercent, positionToRate, rateToPosition, SAMPLING_STOPS, SLIDER_STEPS } from "./sampling-scale";
import { observabilityApi, observabilityKeys, type RoutingPreviewInput } from "./api";
import { useBroadcastAccess } from "./status";
import { useSettled } from "./use-settled";

// ───────────── API-key filter ─────────────

type KeyOption = { id: string; label: string };

function KeyMultiSelect({
  id,
  label,
  allLabel,
  options,
  selected,
  onChange,
  disabled,
  describedBy,
}: {
  id: string;
  label: string;
  allLabel: string;
  options: KeyOption[];
  selected: string[];
  onChange: (ids: string[]) => void;
  disabled: boolean;
  describedBy?: string;
}) {
  const names = options.filter((o) => selected.includes(o.id)).map((o) => o.label);
  const summary = selected.length === 0 ? allLabel : names.length <= 2 ? names.join(", ") : `${names.length} keys`;
  return (
    <Popover>
      <PopoverTrigger asChild>
        <Button id={id} variant="outline" className="w-full justify-between font-normal sm:w-72" disabled={disabled} aria-describedby={describedBy}>
          <span className="sr-only">{label}: </span>
          <span className="truncate">{summary}</span>
          <ChevronDownIcon className="opacity-50" aria-hidden />
        </Button>
      </PopoverTrigger>
      <PopoverContent align="start" className="w-72 p-2">
        <fieldset className="grid max-h-64 gap-1 overflow-y-auto">
          <legend className="text-muted-foreground px-2 pb-1 text-xs font-medium">{label}</legend>
          {options.length === 0 && <p className="text-muted-foreground px-2 py-1 text-sm">This workspace has no API keys yet.</p>}
          {options.map((o) => {
            const checkboxId = `${id}-${o.id}`;
            return (
              <div key={o.id} className="hover:bg-accent flex items-center gap-2 rounded-sm px-2 py-1.5">
                <Checkbox
                  id={checkboxId}
                  checked={selected.includes(o.id)}
                  onCheckedChange={(checked) => onChange(checked ? [...selected, o.id] : selected.filter((s) => s !== o.id))}
                />
                <Label htmlFor={checkboxId} className="min-w-0 flex-1 truncate font-normal">
                  {o.label}
                </Label>
              </div>
            );
          })}
        </fieldset>
      </PopoverContent>
    </Popover>
  );
}

export function ApiKeyFilter({
  include,
  exclude,
  onChange,
  errors,
  disabled,
}: {
  include: string[];
  exclude: string[];
  onChange: (change: { apiKeyInclude?: string[]; apiKeyExclude?: string[] }) => void;
  errors: Record<string, string>;
  disabled: boolean;
}) {
  const { workspaceId } = useBroadcastAccess();
  const keys = useQuery({ queryKey: INGEST_KEYS.queryKey(workspaceId), queryFn: () => INGEST_KEYS.list(workspaceId) });
  if (keys.isPending) return <Skeleton className="h-[8.5rem] w-full" role="status" aria-label="Loading API keys" />;
  if (keys.isError) return <p className="text-destructive text-sm">Could not load the API keys: {errorMessage(keys.error)}</p>;
  const selected = new Set([...include, ...exclude]);
  // Revoked keys stay listed only while a filter still names them.
  const options = keys.data
    .filter((k) => !k.revokedAt || selected.has(k.id))
    .map((k) => ({ id: k.id, label: `${k.name}${k.revokedAt ? " (revoked)" : ""}` }));
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <FormField label="Included API keys" description="Traces of these keys only. None selected: every key." error={errors.apiKeyInclude}>
        {(control) => (
          <KeyMultiSelect
            id={control.id}
            describedBy={control["aria-describedby"]}
            label="Included API keys"
            allLabel="All API keys"
            options={options}
            selected={include}
            onChange={(ids) => onChange({ apiKeyInclude: ids })}
            disabled={disabled}
          />
        )}
      </FormField>
      <FormField label="Excluded API keys" description="Never send traces of these keys." error={errors.apiKeyExclude}>
        {(control) => (
          <KeyMultiSelect
            id={control.id}
            describedBy={control["aria-describedby"]}
            label="Excluded API keys"
            allLabel="None"
            options={options}
            selected={exclude}
            onChange={(ids) => onChange({ apiKeyExclude: ids })}
            disabled={disabled}
          />
        )}
      </FormField>
    </div>
  );
}

// ───────────── sampling ─────────────

export function SamplingControl({
  rate,
  onChange,
  error,
  disabled,
}: {
  rate: number;
  onChange: (rate: number) => void;
  error?: string;
  disabled: boolean;
}) {
  const [text, setText] = React.useState(() => formatRate(rate).replace("%", ""));
  const [textError, setTextError] = React.useState<string | null>(null);
  const [shownRate, setShownRate] = React.useState(rate);
  // The slider (or a reset) moved the rate: show it in the box (state adjusted during render).
  if (shownRate !== rate) {
    setShownRate(rate);
    setText(formatRate(rate).replace("%", ""));
    setTextError(null);
  }
  const labelId = React.useId();
  const noteId = React.useId();
  return (
    <FormField label={<span id={labelId}>Sampling rate</span>} error={textError ?? error}>
      {(control) => (
        <div className="grid gap-2">
          <div className="flex items-center gap-4">
            <div className="grid flex-1 gap-1.5">
              <Slider
                min={0}
                max={SLIDER_STEPS}
                step={1}
                value={[rateToPosition(rate)]}
                onValueChange={([position]) => onChange(positionToRate(position))}
                disabled={disabled}
                thumbProps={{ "aria-labelledby": labelId, "aria-valuetext": formatRate(rate), "aria-describedby": noteId }}
              />
              {/* The track is logarithmic: labelled stops say where the common rates sit on it. */}
              <div className="relative h-6" role="group" aria-label="Sampling presets">
                {SAMPLING_STOPS.map((stop) => {
                  const at = (rateToPosition(stop) / SLIDER_STEPS) * 100;
                  return (
                    <button
                      key={stop}
                      type="button"
                      disabled={disabled}
                      onClick={() => onChange(stop)}
                      aria-pressed={rate === stop}
                      aria-label={`Sample ${formatRate(stop)}`}
                      style={{ left: `${at}%` }}
                      className={cn(
                        "text-muted-foreground hover:text-foreground focus-visible:ring-ring absolute top-0 flex flex-col items-center rounded px-1 text-xs tabular-nums outline-none focus-visible:ring-2 disabled:pointer-events-none",
                        at >= 100 ? "-translate-x-full items-end" : "-translate-x-1/2",
                        rate === stop && "text-foreground font-semibold",
                      )}
                    >
                      <span aria-hidden className="bg-border h-1.5 w-px" />
                      {formatRate(stop)}
                    </button>
                  );
                })}
              </div>
            </div>
            <div className="relative w-28 shrink-0">
              <Input
                {...control}
                inputMode="decimal"
                aria-label="Sampling rate in percent"
                value={text}
                disabled={disabled}
                onChange={(e) => {
                  setText(e.target.value);
                  const parsed = parsePercent(e.target.value);
                  if ("error" in parsed) setTextError(parsed.error);
                  else {
                    setTextError(null);
                    setShownRate(parsed.rate);
                    onChange(parsed.rate);
                  }
                }}
                className="pr-7 text-right tabular-nums"
              />
              <span className="text-muted-foreground pointer-events-none absolute top-2 right-3 text-sm">%</span>
            </div>
          </div>
          <p id={noteId} className="text-muted-foreground text-xs">
            About {formatRate(rate)} of traces are sent. Sampling is deterministic per session: a session is sent whole or not at
            all, so conversations stay complete.
          </p>
        </div>
      )}
    </FormField>
  );
}

// ───────────── privacy ─────────────

export function PrivacyModeSwitch({ checked, onChange, disabled }: { checked: boolean; onChange: (v: boolean) => void; disabled: boolean }) {
  return (
    <FormField
      label="Privacy mode"
      description="Removes prompts (input messages) and completions (output) before sending. Still sent: model, provider, token counts, total cost, timing, session ID, your custom metadata, and the additional metadata switched on below."
      className="grid-cols-[1fr_auto] items-center gap-x-4 [&>p]:col-span-2"
    >
      {(control) => <Switch {...control} checked={checked} onCheckedChange={onChange} disabled={disabled} />}
    </FormField>
  );
}

/**
 * OpenRouter's "additional generation metadata": one switch per group, each saying what it sends
 * (the groups and their fields: lib/traces/generation-metadata.ts). Off by default.
 */
export function GenerationMetadataSwitches({
  switches,
  onChange,
  disabled,
}: {
  switches: GenerationMetadataSettings;
  onChange: (change: Partial<GenerationMetadataSettings>) => void;
  disabled: boolean;
}) {
  return (
    <fieldset className="grid gap-4">
      <legend className="mb-1 text-sm font-medium">Additional generation metadata</legend>
      {GENERATION_METADATA_GROUPS.map((group) => (
        <FormField key={group.setting} label={group.label} description={group.sends} className="grid-cols-[1fr_auto] items-center gap-x-4 [&>p]:col-span-2">
          {(control) => (
            <Switch {...control} checked={switches[group.setting]} onCheckedChange={(on) => onChange({ [group.setting]: on })} disabled={disabled} />
          )}
        </FormField>
      ))}
    </fieldset>
  );
}

// ───────────── filter rules ─────────────

export function FilterRulesBuilder({
  draft,
  onChange,
  errors,
  disabled,
}: {
  draft: FilterDraft;
  onChange: (draft: FilterDraft) => void;
  errors: Record<string, string>;
  disabled: boolean;
}) {
  return (
    <div className="grid gap-3">
      {draft.groups.length === 0 ? (
        <p className="text-muted-foreground rounded-lg border border-dashed px-4 py-6 text-center text-sm">
          No filter rules configured. All traces will be sent.
        </p>
      ) : (
        draft.groups.map((group, gi) => (
          <React.Fragment key={group.id}>
            {gi > 0 && (
              <p className="text-muted-foreground text-center text-xs font-medium tracking-wide uppercase" aria-hidden>
                or
              </p>
            )}
            <fieldset className="grid gap-3 rounded-lg border p-3" aria-label={`Rule group ${gi + 1}`}>
              <div className="flex flex-wrap items-center justify-between gap-2">
                <legend className="float-left text-sm font-medium">Send when</legend>
                <div className="flex items-center gap-2">
                  <Select value={group.logic} onValueChange={(v) => onChange(setLogic(draft, group.id, v as "and" | "or"))} disabled={disabled}>
                    <SelectTrigger size="sm" aria-label={`Group ${gi + 1} logic`} className="w-44">
                      <SelectValue />
                    </SelectTrigger>
                    <SelectContent>
                      <SelectItem value="and">all rules match</SelectItem>
                      <SelectItem value="or">any rule matches</SelectItem>
                    </SelectContent>
                  </Select>
                  {!disabled && (
                    <Button type="button" variant="ghost" size="icon-sm" aria-label={`Remove group ${gi + 1}`} onClick={() => onChange(removeGroup(draft, group.id))}>
                      <Trash2Icon aria-hidden />
                    </Button>
                  )}
                </div>
              </div>
              {group.rules.map((rule, ri) => {
                const fieldError = errors[ruleErrorKey(gi, ri, "field")];
                const valueError = errors[ruleErrorKey(gi, ri, "value")];
                const operatorError = errors[ruleErrorKey(gi, ri, "operator")];
                const ruleError = fieldError ?? valueError ?? operatorError;
                const metadata = isMetadataField(rule.field);
                const errorId = `${rule.id}-error`;
                const name = `Rule ${ri + 1} of group ${gi + 1}`;
                return (
                  <div key={rule.id} className="grid gap-1">
                    <div className="grid grid-cols-2 gap-2 sm:grid-cols-[11rem_10rem_minmax(0,1fr)_auto]">
                      <Select
                        value={metadata ? CUSTOM_METADATA_OPTION : rule.field}
                        onValueChange={(v) => onChange(updateRule(draft, group.id, rule.id, { field: v as FilterField }))}
                        disabled={disabled}
                      >
                        <SelectTrigger aria-label={`${name}: field`} className="w-full">
                          <SelectValue />
                        </SelectTrigger>
                        <SelectContent>
                          <SelectGroup>
                            <SelectLabel>Generation</SelectLabel>
                            {[...OPENROUTER_STRING_FIELDS, ...NUMBER_FIELDS].map((f) => (
                              <SelectItem key={f} value={f}>
                                {FIELD_LABELS[f]}
                              </SelectItem>
                            ))}
                          </SelectGroup>
                          <SelectSeparator />
                          <SelectGroup>
                            <SelectLabel>Trace metadata</SelectLabel>
                            {TRACE_STRING_FIELDS.map((f) => (
                              <SelectItem key={f} value={f}>
                                {FIELD_LABELS[f]}
                              </SelectItem>
                            ))}
                            <SelectItem value={CUSTOM_METADATA_OPTION}>{CUSTOM_METADATA_LABEL}…</SelectItem>
                          </SelectGroup>
                        </SelectContent>
                      </Select>
                      <Select
                        value={rule.operator}
                        onValueChange={(v) => onChange(updateRule(draft, group.id, rule.id, { operator: v as FilterOperator }))}
                        disabled={disabled}
                      >
                        <SelectTrigger aria-label={`${name}: operator`} aria-invalid={operatorError ? true : undefined} className="w-full">
                          <SelectValue />
                        </SelectTrigger>
                        <SelectContent>
                          {operatorsFor(rule.field).map((op) => (
                            <SelectItem key={op} value={op}>
                              {OPERATOR_LABELS[op]}
                            </SelectItem>
                          ))}
                        </SelectContent>
                      </Select>
                      {takesValue(rule.operator) ? (
                        <Input
                          aria-label={`${name}: value`}
                          aria-invalid={valueError ? true : undefined}
                          aria-describedby={ruleError ? errorId : undefined}
                          inputMode={isNumberField(rule.field) ? "decimal" : undefined}
                          placeholder={isNumberField(rule.field) ? "0" : rule.operator === "regex" ? "^gpt-4" : "value"}
                          value={rule.value}
                          disabled={disabled}
                          onChange={(e) => onChange(updateRule(draft, group.id, rule.id, { value: e.target.value }))}
                          className="col-span-2 sm:col-span-1"
                        />
                      ) : (
                        <span className="col-span-2 hidden sm:col-span-1 sm:block" />
                      )}
                      {!disabled && (
                        <Button
                          type="button"
                          variant="ghost"
                          size="icon"
                          aria-label={`Remove ${name.toLowerCase()}`}
                          onClick={() => onChange(removeRule(draft, group.id, rule.id))}
                          className="col-span-2 justify-self-end sm:col-span-1"
                        >
                          <Trash2Icon aria-hidden />
                        </Button>
                      )}
                    </div>
                    {metadata && (
                      <Input
                        aria-label={`${name}: metadata key`}
                        aria-invalid={fieldError ? true : undefined}
                        aria-describedby={ruleError ? errorId : undefined}
                        placeholder="metadata key, e.g. customer_tier"
                        maxLength={MAX_METADATA_KEY_LENGTH}
                        value={isMetadataField(rule.field) ? metadataKeyOf(rule.field) : ""}
                        disabled={disabled}
                        onChange={(e) => onChange(updateRule(draft, group.id, rule.id, { field: `${METADATA_FIELD_PREFIX}${e.target.value}` }))}
                        className="sm:w-[11rem]"
                      />
                    )}
                    {ruleError && (
                      <p id={errorId} className="text-destructive text-xs font-medium">
                        {ruleError}
                      </p>
                    )}
                  </div>
                );
              })}
              {!disabled && (
                <Button type="button" variant="ghost" size="sm" className="w-fit" onClick={() => onChange(addRule(draft, group.id))}>
                  <PlusIcon aria-hidden /> Add rule
                </Button>
              )}
            </fieldset>
          </React.Fragment>
        ))
      )}
      {!disabled && (
        <Button type="button" variant="outline" size="sm" className="w-fit" onClick={() => onChange(addGroup(draft))}>
          <PlusIcon aria-hidden /> {draft.groups.length === 0 ? "Add filter rule" : "Add rule group (or)"}
        </Button>
      )}
    </div>
  );
}

// ───────────── preview ─────────────

/**
 * How many of the workspace's recent traces the unsaved routing settings would match and send,
 * computed by the server with the ingest router itself. `settings` is null while the rules are
 * incomplete (a rule without its value), when there is nothing meaningful to ask.
 */
export function RoutingPreview({ settings }: { settings: RoutingPreviewInput | null }) {
  const { workspaceId } = useBroadcastAccess();
  const key = settings && JSON.stringify(settings);
  const asked = useSettled(key);
  const preview = useQuery({
    queryKey: observabilityKeys.routingPreview(workspaceId, asked ?? ""),
    queryFn: () => observabilityApi.routingPreview(workspaceId, JSON.parse(asked!) as RoutingPreviewInput),
    enabled: asked !== null,
    placeholderData: keepPreviousData,
    retry: false,
  });
  let text: React.ReactNode;
  if (asked === null) text = "Complete the rules to see how many recent traces they match.";
  else if (preview.isError) text = `Preview unavailable: ${errorMessage(preview.error)}`;
  else if (!preview.data) text = <Skeleton className="h-4 w-72" />;
  else if (preview.data.considered === 0) text = "No traces received yet: the preview counts them once your apps send some.";
  else {
    const { considered, matchingFilters, routed } = preview.data;
    text = (
      <>
        Of the last <strong className="text-foreground tabular-nums">{considered}</strong> traces,{" "}
        <strong className="text-foreground tabular-nums">{matchingFilters}</strong> match the filter rules and{" "}
        <strong className="text-foreground tabular-nums">{routed}</strong> would be sent (API keys and sampling included).
      </>
    );
  }
  return (
    <div
      role="status"
      aria-live="polite"
      aria-label="Routing preview"
      data-stale={preview.isFetching || asked !== key ? "" : undefined}
      className="text-muted-foreground bg-muted/40 min-h-10 rounded-md px-3 py-2.5 text-xs transition-opacity data-stale:opacity-60"
    >
      {text}
    </div>
  );
}
