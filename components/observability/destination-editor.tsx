"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Loader2Icon, PlugZapIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { FormError, FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Separator } from "@/components/ui/separator";
import { Switch } from "@/components/ui/switch";
import { ApiClientError, errorMessage, fieldErrorsOf, isChangeProposed } from "@/lib/client/api";
import { toast } from "@/lib/client/toast";
import { workspacePath } from "@/lib/workspace-paths";
import { observabilityApi, observabilityKeys, type Destination, type DestinationSettings, type DestinationType, type TestOutcome } from "./api";
import { initialValues, toConfig, validateConfig, type ConfigValues, type FieldValue } from "./config-form-state";
import { DestinationConfigForm } from "./destination-config-form";
import { draftFromStored, draftToStored, emptyFilter, missingValues, type FilterDraft } from "./filter-builder-state";
import { destinationPath } from "./paths";
import { ApiKeyFilter, FilterRulesBuilder, GenerationMetadataSwitches, PrivacyModeSwitch, RoutingPreview, SamplingControl } from "./routing-settings";
import { TRACES_WHEN, useBroadcastAccess } from "./status";
import { SetupSqlPreview } from "./setup-sql";
import { TestResultPanel } from "./test-result";
import { LEAVE_QUESTION, useUnsavedChangesGuard } from "./unsaved-changes";

/** What the form sends for a saved config left untouched (to tell whether the connection changed). */
const storedConfigKey = (type: DestinationType, config: Record<string, unknown>) =>
  JSON.stringify(toConfig(type.fields, initialValues(type.fields, config), "update"));

type Routing = Omit<DestinationSettings, "filterRules" | "name">;

function Section({ title, description, children }: { title: string; description?: string; children: React.ReactNode }) {
  return (
    <section className="grid gap-4 md:grid-cols-[14rem_minmax(0,1fr)] md:gap-8">
      <div className="grid content-start gap-1">
        <h3 className="text-sm font-semibold">{title}</h3>
        {description && <p className="text-muted-foreground text-xs">{description}</p>}
      </div>
      <div className="grid min-w-0 gap-5">{children}</div>
    </section>
  );
}

/**
 * Creating or editing a destination: its platform settings (generated from the definition), its
 * routing (API keys, sampling, privacy, filter rules), "Test connection" with the unsaved values,
 * and saving. Saving new or changed connection settings needs a passing test — Save runs it when
 * the current values have not passed one — or an explicit "Save as disabled".
 */
export function DestinationEditor({ type, destination }: { type: DestinationType; destination?: Destination }) {
  const { workspaceId, canChange, canTest, proposes } = useBroadcastAccess();
  const queryClient = useQueryClient();
  const router = useRouter();
  const readOnly = !canChange;
  const mode = destination ? "update" : "create";

  const [name, setName] = React.useState(destination?.name ?? type.name);
  const [values, setValues] = React.useState<ConfigValues>(() => initialValues(type.fields, destination?.config));
  const [routing, setRouting] = React.useState<Routing>(() => ({
    enabled: destination?.enabled ?? true,
    privacyMode: destination?.privacyMode ?? false,
    samplingRate: destination?.samplingRate ?? 1,
    apiKeyInclude: destination?.apiKeyInclude ?? [],
    apiKeyExclude: destination?.apiKeyExclude ?? [],
    broadcastGenerationCost: destination?.broadcastGenerationCost ?? false,
    broadcastGenerationIdentity: destination?.broadcastGenerationIdentity ?? false,
    broadcastGenerationRequestContext: destination?.broadcastGenerationRequestContext ?? false,
  }));
  const [filter, setFilter] = React.useState<FilterDraft>(() => (destination ? draftFromStored(destination.filterRules) : emptyFilter()));
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const [lastTest, setLastTest] = React.useState<{ config: string; result: TestOutcome } | null>(null);
  const formRef = React.useRef<HTMLFormElement>(null);

  const config = toConfig(type.fields, values, mode);
  const configKey = JSON.stringify(config);
  const [savedConfigKey, setSavedConfigKey] = React.useState(() => (destination ? storedConfigKey(type, destination.config) : null));
  // A test is needed for new connection settings, and before (re-)enabling a destination.
  const needsTest = configKey !== savedConfigKey || (routing.enabled && destination?.enabled === false);
  const currentTest = lastTest?.config === configKey ? lastTest.result : null;

  // What the form would save, to tell an edited form from an untouched one (Save, leaving the page).
  const snapshot = JSON.stringify({ name: name.trim(), configKey, routing, filter: draftToStored(filter) });
  const [savedSnapshot, setSavedSnapshot] = React.useState(snapshot);
  const [savedAt, setSavedAt] = React.useState(0);
  // After a save the form is rebuilt from the saved destination: that state is the new baseline.
  React.useEffect(() => {
    if (savedAt) setSavedSnapshot(snapshot);
    // Runs only when a save completed (savedAt), not on every edit.
  }, [savedAt]);
  const edited = snapshot !== savedSnapshot;
  useUnsavedChangesGuard(edited && !readOnly);

  const showErrors = (next: Record<string, string>) => {
    setErrors(next);
    // After render: move focus to the first field the user has to fix.
    requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  };

  const test = useMutation({
    mutationFn: () => observabilityApi.testUnsaved(workspaceId, {
        type: type.type,
        config,
        destinationId: destination?.id,
        privacyMode: routing.privacyMode,
        broadcastGenerationCost: routing.broadcastGenerationCost,
        broadcastGenerationIdentity: routing.broadcastGenerationIdentity,
        broadcastGenerationRequestContext: routing.broadcastGenerationRequestContext,
      }),
    onSuccess: (result) => setLastTest({ config: configKey, result }),
    onError: (error) => showErrors(fieldErrorsOf(error)),
  });

  const save = useMutation({
    mutationFn: (enabled: boolean) => {
      const settings = { ...routing, enabled, name: name.trim(), filterRules: draftToStored(filter) };
      if (!destination) return observabilityApi.create(workspaceId, { type: type.type, config, ...settings });
      return observabilityApi.update(workspaceId, destination.id, configKey === savedConfigKey ? settings : { ...settings, config });
    },
    onSuccess: (saved) => {
      queryClient.setQueryData(observabilityKeys.destination(workspaceId, saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: observabilityKeys.destinations(workspaceId) });
      toast.success(destination ? `"${saved.name}" saved` : `"${saved.name}" added${saved.enabled ? "" : " (disabled)"}`);
      if (!destination) {
        setSavedSnapshot(snapshot); // nothing left unsaved: leave without the guard's question
        router.push(destinationPath(workspaceId, saved.id));
      } else {
        setValues(initialValues(type.fields, saved.config));
        setSavedConfigKey(storedConfigKey(type, saved.config));
        setRouting((r) => ({ ...r, enabled: saved.enabled }));
        setSavedAt(Date.now());
      }
    },
    onError: (error) => {
      // Sent for approval (a member of an organization): nothing is saved yet; a proposed new
      // destination goes back to the list, where its pending request is shown.
      if (isChangeProposed(error)) {
        if (!destination) router.push(workspacePath(workspaceId, "observability"));
        return;
      }
      showErrors(fieldErrorsOf(error));
    },
  });
  const busy = test.isPending || save.isPending;

  function clientErrors(): Record<string, string> {
    const found = { ...validateConfig(type.fields, values), ...missingValues(filter) };
    if (name.trim() === "") found.name = "Name is required";
    return found;
  }

  async function onSave(event: React.FormEvent) {
    event.preventDefault();
    const found = clientErrors();
    if (Object.keys(found).length) return showErrors(found);
    setErrors({});
    if (routing.enabled && needsTest && !currentTest?.ok) {
      const result = await test.mutateAsync().catch(() => null);
      if (!result?.ok) return; // the result (or the refusal) is on screen, with "Save as disabled"
    }
    save.mutate(routing.enabled);
  }

  function onTest() {
    const found = validateConfig(type.fields, values);
    if (Object.keys(found).length) return showErrors(found);
    setErrors({});
    test.mutate();
  }

  const change = (key: string, value: FieldValue) => setValues((v) => ({ ...v, [key]: value }));
  // An edited rule is checked again on save: its old message would only contradict what is on screen.
  const onFilterChange = (next: FilterDraft) => {
    setFilter(next);
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([key]) => !key.startsWith("filterRules."))));
  };
  const formError = [save.error, test.error].find((e) => e && !isChangeProposed(e) && !(e instanceof ApiClientError && e.fields.length > 0));

  return (
    <form ref={formRef} onSubmit={onSave} noValidate aria-label={destination ? `Settings of ${destination.name}` : `New ${type.name} destination`} className="grid gap-8">
      <Section title="Destination">
        <FormField label="Name" error={errors.name} description="Shown in the destinations list and the audit log.">
          {(control) => <Input {...control} value={name} onChange={(e) => setName(e.target.value)} disabled={readOnly} maxLength={100} />}
        </FormField>
        {destination && (
          <FormField
            label="Enabled"
            description={`Off: ${TRACES_WHEN.disabled} Its settings are kept. To hold traces and send them later instead, use Pause (enabled destinations only).`}
            className="grid-cols-[1fr_auto] items-center gap-x-4 [&>p]:col-span-2"
          >
            {(control) => (
              <Switch {...control} checked={routing.enabled} onCheckedChange={(enabled) => setRouting((r) => ({ ...r, enabled }))} disabled={readOnly} />
            )}
          </FormField>
        )}
      </Section>
      <Separator />
      <Section title="Connection" description={`Where and how traces reach ${type.name}. Secrets are write-only: once saved they are shown masked.`}>
        <DestinationConfigForm fields={type.fields} values={values} onChange={change} errors={errors} disabled={readOnly} />
        {type.hasSetupSql && <SetupSqlPreview workspaceId={workspaceId} type={type} config={config} />}
        {canTest && (
          <div className="grid gap-3">
            <Button type="button" variant="outline" className="w-fit" onClick={onTest} disabled={busy}>
              {test.isPending ? <Loader2Icon className="animate-spin" aria-hidden /> : <PlugZapIcon aria-hidden />}
              Test connection
            </Button>
            {currentTest && <TestResultPanel result={currentTest} />}
            {lastTest && !currentTest && (
              <p className="text-muted-foreground text-xs">The connection settings changed since the last test.</p>
            )}
          </div>
        )}
      </Section>
      <Separator />
      <Section title="API keys" description="Which of this workspace's API keys have their traces sent here.">
        <ApiKeyFilter
          include={routing.apiKeyInclude}
          exclude={routing.apiKeyExclude}
          onChange={(c) => setRouting((r) => ({ ...r, ...c }))}
          errors={errors}
          disabled={readOnly}
        />
      </Section>
      <Separator />
      <Section title="Sampling & privacy">
        <SamplingControl rate={routing.samplingRate} onChange={(samplingRate) => setRouting((r) => ({ ...r, samplingRate }))} error={errors.samplingRate} disabled={readOnly} />
        <PrivacyModeSwitch checked={routing.privacyMode} onChange={(privacyMode) => setRouting((r) => ({ ...r, privacyMode }))} disabled={readOnly} />
        <GenerationMetadataSwitches switches={routing} onChange={(change) => setRouting((r) => ({ ...r, ...change }))} disabled={readOnly} />
      </Section>
      <Separator />
      <Section title="Filter rules" description="Send only the traces that match. Within a group all (or any) rules must match; a trace is sent when any group matches.">
        <FilterRulesBuilder draft={filter} onChange={onFilterChange} errors={errors} disabled={readOnly} />
        {errors.filterRules && <p className="text-destructive text-xs font-medium">{errors.filterRules}</p>}
        <RoutingPreview
          settings={
            Object.keys(missingValues(filter)).length
              ? null
              : { filterRules: draftToStored(filter), apiKeyInclude: routing.apiKeyInclude, apiKeyExclude: routing.apiKeyExclude, samplingRate: routing.samplingRate }
          }
        />
      </Section>
      {!readOnly && (
        <div className="bg-background/95 sticky bottom-0 -mx-4 grid gap-3 border-t px-4 py-3 backdrop-blur sm:-mx-6 sm:px-6">
          <FormError message={formError ? errorMessage(formError) : null} />
          {currentTest && !currentTest.ok && routing.enabled && needsTest && (
            <p className="text-muted-foreground text-sm">
              The connection test failed. Fix the settings and test again, or save the destination disabled and enable it once
              the platform accepts traces.
            </p>
          )}
          <div className="flex flex-wrap items-center justify-end gap-2">
            {destination === undefined && (
              <Button type="button" variant="ghost" onClick={() => (!edited || window.confirm(LEAVE_QUESTION)) && router.back()} disabled={busy}>
                Cancel
              </Button>
            )}
            {currentTest && !currentTest.ok && routing.enabled && needsTest && (
              <Button type="button" variant="outline" disabled={busy} onClick={() => {
                const found = clientErrors();
                if (Object.keys(found).length) return showErrors(found);
                save.mutate(false);
              }}>
                {proposes ? "Propose as disabled" : "Save as disabled"}
              </Button>
            )}
            {destination && !edited && <p className="text-muted-foreground mr-auto text-sm">No unsaved changes.</p>}
            <Button type="submit" disabled={busy || (destination !== undefined && !edited)}>
              {busy && <Loader2Icon className="animate-spin" aria-hidden />}
              {test.isPending && save.isIdle ? "Testing…" : routing.enabled && needsTest && !currentTest?.ok ? (proposes ? "Test & propose" : "Test & save") : proposes ? "Propose changes" : "Save"}
            </Button>
          </div>
        </div>
      )}
    </form>
  );
}
