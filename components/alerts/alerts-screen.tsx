"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { BellRingIcon, Loader2Icon, TriangleAlertIcon } from "lucide-react";
import * as z from "zod/mini";
import { PageHeader } from "@/components/shell/page-header";
import { QueryView } from "@/components/shell/query-view";
import { useCurrentWorkspace } from "@/components/shell/workspace-context";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { FormError, FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Switch } from "@/components/ui/switch";
import { api, errorMessage, fieldErrorsOf } from "@/lib/client/api";
import { toast } from "@/lib/client/toast";
import { workspaceApiPath } from "@/lib/workspace-paths";

const settingsSchema = z.object({
  emailAdmins: z.boolean(),
  emailConfigured: z.boolean(),
  slackWebhookUrl: z.nullable(z.string()),
  backlogMinutes: z.nullable(z.number()),
});
type Settings = z.infer<typeof settingsSchema>;
const settingsAnswer = z.object({ settings: settingsSchema });
const testAnswer = z.object({ channels: z.object({ email: z.string(), slack: z.string() }) });

type Draft = { emailAdmins: boolean; slackWebhookUrl: string; backlogMinutes: string };
const draftOf = (s: Settings): Draft => ({
  emailAdmins: s.emailAdmins,
  slackWebhookUrl: s.slackWebhookUrl ?? "",
  backlogMinutes: s.backlogMinutes === null ? "" : String(s.backlogMinutes),
});

function AlertsForm({ settings, workspaceId }: { settings: Settings; workspaceId: string }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = React.useState(() => draftOf(settings));
  const saved = draftOf(settings);
  const changed = JSON.stringify(draft) !== JSON.stringify(saved);
  const save = useMutation({
    mutationFn: () =>
      api.put(workspaceApiPath(workspaceId, "alerts"), settingsAnswer, {
        emailAdmins: draft.emailAdmins,
        slackWebhookUrl: draft.slackWebhookUrl.trim() || null,
        // An empty field turns backlog alerts off; anything else is checked by the server.
        backlogMinutes: draft.backlogMinutes.trim() === "" ? null : Number(draft.backlogMinutes),
      }),
    onSuccess: ({ settings: next }) => {
      queryClient.setQueryData(["alerts", workspaceId], next);
      setDraft(draftOf(next));
      toast.success("Alert settings saved");
    },
  });
  const test = useMutation({ mutationFn: () => api.post(workspaceApiPath(workspaceId, "alerts", "test"), testAnswer) });
  const fields = fieldErrorsOf(save.error);

  return (
    <form
      noValidate
      className="grid gap-6"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <Card>
        <CardHeader>
          <CardTitle>Where alerts go</CardTitle>
          <CardDescription>Each channel gets the same message. Use “Send test notification” to check them.</CardDescription>
        </CardHeader>
        <CardContent className="grid max-w-xl gap-5">
          <FormError message={save.error && !Object.keys(fields).length ? errorMessage(save.error) : undefined} />
          <div className="grid gap-2">
            <div className="flex items-center gap-3">
              <Switch
                id="alerts-email"
                checked={draft.emailAdmins && settings.emailConfigured}
                disabled={!settings.emailConfigured}
                onCheckedChange={(emailAdmins) => setDraft({ ...draft, emailAdmins })}
                aria-describedby="alerts-email-note"
              />
              <label htmlFor="alerts-email" className="text-sm font-medium">
                Email the workspace&apos;s owners and admins
              </label>
            </div>
            {settings.emailConfigured ? (
              <p id="alerts-email-note" className="text-muted-foreground text-xs">
                One email to each owner and admin. Members are not emailed.
              </p>
            ) : (
              <p id="alerts-email-note" role="note" className="border-warning/40 bg-warning/10 flex gap-2 rounded-md border px-3 py-2 text-sm">
                <TriangleAlertIcon className="text-warning mt-0.5 size-4 shrink-0" aria-hidden />
                <span>
                  This server cannot send email: it has no SMTP settings (<code>TRACECAST_SMTP_HOST</code>). Ask whoever runs it to
                  set them, or use a webhook below.
                </span>
              </p>
            )}
          </div>
          <FormField
            label="Slack-compatible webhook URL"
            description="A Slack incoming webhook (or Mattermost, Rocket.Chat, Discord's /slack URL: anything that takes {“text”: …}). Stored encrypted; shown masked. Empty: no webhook."
            error={fields.slackWebhookUrl}
          >
            {(control) => (
              <Input
                {...control}
                name="slackWebhookUrl"
                placeholder="https://hooks.slack.com/services/…"
                autoComplete="off"
                value={draft.slackWebhookUrl}
                onChange={(e) => setDraft({ ...draft, slackWebhookUrl: e.target.value })}
              />
            )}
          </FormField>
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>When</CardTitle>
          <CardDescription>
            A destination is announced when it fails 3 attempts in a row, when it is paused automatically, and when a delivery has been
            pending longer than the threshold below; and again when it recovers. At most one message per destination every 15
            minutes: one that keeps flapping gets one alert, then one message with where it ended up.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid max-w-xl gap-5">
          <FormField label="Backlog threshold (minutes)" description="Empty: no backlog alerts." error={fields.backlogMinutes}>
            {(control) => (
              <Input
                {...control}
                name="backlogMinutes"
                inputMode="numeric"
                className="w-32"
                value={draft.backlogMinutes}
                onChange={(e) => setDraft({ ...draft, backlogMinutes: e.target.value })}
              />
            )}
          </FormField>
        </CardContent>
      </Card>

      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" disabled={!changed || save.isPending}>
          {save.isPending && <Loader2Icon className="animate-spin" aria-hidden />}
          Save
        </Button>
        <Button type="button" variant="outline" disabled={test.isPending || changed} onClick={() => test.mutate()}>
          {test.isPending ? <Loader2Icon className="animate-spin" aria-hidden /> : <BellRingIcon aria-hidden />}
          Send test notification
        </Button>
        {changed && <span className="text-muted-foreground text-xs">Save first: the test uses the saved settings.</span>}
      </div>
      {test.error && <FormError message={errorMessage(test.error)} />}
      {test.data && (
        <dl role="status" aria-label="Test notification result" className="bg-muted/50 grid max-w-xl grid-cols-[auto_1fr] gap-x-4 gap-y-1 rounded-md border px-3 py-2 text-sm">
          <dt className="font-medium">Email</dt>
          <dd>{test.data.channels.email}</dd>
          <dt className="font-medium">Webhook</dt>
          <dd className="break-words">{test.data.channels.slack}</dd>
        </dl>
      )}
    </form>
  );
}

export function AlertsScreen() {
  const { workspace } = useCurrentWorkspace();
  const query = useQuery({
    queryKey: ["alerts", workspace.id],
    queryFn: async () => (await api.get(workspaceApiPath(workspace.id, "alerts"), settingsAnswer)).settings,
  });
  return (
    <div className="grid gap-6">
      <PageHeader title="Alerts" description="Hear about a destination that stops delivering before anyone asks where their traces went." />
      <QueryView query={query} what="alert settings">
        {(settings) => <AlertsForm settings={settings} workspaceId={workspace.id} />}
      </QueryView>
    </div>
  );
}
