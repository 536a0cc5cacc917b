"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { BanIcon, KeyRoundIcon } from "lucide-react";
import { Fragment } from "react";
import { INGEST_KEYS, MANAGEMENT_KEYS, type ApiKeyRow, type KeyKind } from "@/components/api-keys/api";
import { CreateApiKeyDialog } from "@/components/api-keys/create-api-key-dialog";
import { OtlpEndpointCard } from "@/components/api-keys/otlp-endpoint-card";
import { SendTracePanel } from "@/components/api-keys/send-trace-panel";
import { ConfirmDialog } from "@/components/shell/confirm-dialog";
import { DataTable } from "@/components/shell/data-table";
import { PageHeader } from "@/components/shell/page-header";
import { CopyButton } from "@/components/ui/copy-button";
import { QueryView } from "@/components/shell/query-view";
import { RowActionButton } from "@/components/shell/row-action-button";
import { useCan, useCurrentWorkspace } from "@/components/shell/workspace-context";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatDate, formatDateTime, formatRelative } from "@/lib/client/format";
import { toast } from "@/lib/client/toast";

function RevokeApiKeyButton({ workspaceId, kind, apiKey }: { workspaceId: string; kind: KeyKind; apiKey: ApiKeyRow }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => kind.revoke(workspaceId, apiKey.id),
    onSuccess: () => {
      toast.success(`${kind.noun[0].toUpperCase()}${kind.noun.slice(1)} "${apiKey.name}" revoked`);
      return queryClient.invalidateQueries({ queryKey: kind.queryKey(workspaceId) });
    },
  });
  return (
    <ConfirmDialog
      trigger={
        <RowActionButton icon={<BanIcon aria-hidden />} aria-label={`Revoke ${apiKey.name}`}>
          Revoke
        </RowActionButton>
      }
      title={`Revoke "${apiKey.name}"?`}
      description="Requests using this key are rejected from now on. This cannot be undone."
      confirmLabel="Revoke key"
      mutation={revoke}
    />
  );
}

function Timestamp({ value, fallback }: { value: string | null; fallback: string }) {
  if (!value) return <span className="text-muted-foreground">{fallback}</span>;
  return (
    <time dateTime={value} title={formatDateTime(value)}>
      {formatRelative(value)}
    </time>
  );
}

type Section = {
  kind: KeyKind;
  title: string;
  description: string;
  purpose: string;
  usage: React.ReactNode;
  placeholder: string;
  emptyTitle: string;
  emptyHint: string;
  /** Shown with a new key's secret. */
  shownWith?: (secret: string) => React.ReactNode;
};

const bearer = <code className="font-mono text-xs">Authorization: Bearer &lt;key&gt;</code>;

const SECTIONS: Section[] = [
  {
    kind: INGEST_KEYS,
    title: "API keys",
    description: "Your apps authenticate with these keys when they send traces. Broadcast can include or exclude traces per key; the management API names a key by its hash.",
    purpose: "Your apps send traces with this key. Name it after where it will be used.",
    usage: (
      <>
        Use it as {bearer} when sending traces (OpenTelemetry exporters may also send it as <code className="font-mono text-xs">x-api-key</code>).
      </>
    ),
    placeholder: "Production backend",
    shownWith: (secret) => <SendTracePanel apiKey={secret} />,
    emptyTitle: "No API keys yet",
    emptyHint: "Create a key for each app or environment that sends traces.",
  },
  {
    kind: MANAGEMENT_KEYS,
    title: "Management keys",
    description:
      "Automation manages destinations with these keys through the OpenRouter-compatible management API. A key acts with its creator's current role and stops working if they leave the workspace. It cannot send traces.",
    purpose: "Scripts and tools manage destinations with this key, acting with your role in this workspace.",
    usage: <>Use it as {bearer} with the management API (/api/v1/observability/destinations).</>,
    placeholder: "Terraform",
    emptyTitle: "No management keys yet",
    emptyHint: "Create one for each script or tool that manages destinations.",
  },
];

function KeysSection({ section, primary }: { section: Section; primary: boolean }) {
  const { workspace } = useCurrentWorkspace();
  const canManage = useCan("apiKeys:manage");
  const { kind } = section;
  const keys = useQuery({ queryKey: kind.queryKey(workspace.id), queryFn: () => kind.list(workspace.id) });
  const createDialog = canManage && (
    <CreateApiKeyDialog workspaceId={workspace.id} kind={kind} purpose={section.purpose} usage={section.usage} placeholder={section.placeholder} shownWith={section.shownWith} />
  );
  const showHash = kind === INGEST_KEYS;

  return (
    <section className="grid gap-4" aria-label={section.title}>
      <PageHeader title={section.title} description={section.description} actions={createDialog} level={primary ? 1 : 2} />
      <QueryView
        query={keys}
        what={section.title}
        isEmpty={(rows) => rows.length === 0}
        empty={
          <EmptyState
            icon={<KeyRoundIcon />}
            title={section.emptyTitle}
            description={canManage ? section.emptyHint : "An admin or owner of this workspace can create keys."}
            action={createDialog}
          />
        }
      >
        {(rows) => (
          <DataTable aria-label={section.title}>
            <TableHeader>
              <TableRow>
                <TableHead>Name</TableHead>
                <TableHead className="hidden sm:table-cell">Key</TableHead>
                <TableHead className="hidden md:table-cell">Created</TableHead>
                <TableHead className="hidden sm:table-cell">Last used</TableHead>
                <TableHead>Status</TableHead>
                {canManage && (
                  <TableHead>
                    <span className="sr-only">Actions</span>
                  </TableHead>
                )}
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows.map((key) => (
                <TableRow key={key.id} data-revoked={key.revokedAt ? true : undefined}>
                  <TableCell className="max-w-48">
                    <span className="block truncate font-medium">{key.name}</span>
                    <code className="text-muted-foreground block font-mono text-xs sm:hidden">{key.prefix}…</code>
                  </TableCell>
                  <TableCell className="hidden sm:table-cell">
                    <code className="bg-muted rounded px-1.5 py-0.5 font-mono text-xs">{key.prefix}…</code>
                    {showHash && key.hash && (
                      <span className="text-muted-foreground mt-1 flex items-center gap-1 text-xs">
                        hash <code className="font-mono" title={key.hash}>{key.hash.slice(0, 12)}…</code>
                        <CopyButton value={key.hash} label="Copy hash" variant="ghost" size="sm" className="h-6 px-1.5 text-xs" />
                      </span>
                    )}
                  </TableCell>
                  <TableCell className="hidden md:table-cell">
                    <span title={formatDateTime(key.createdAt)}>{formatDate(key.createdAt)}</span>
                    {key.createdBy && (
                      <span className="text-muted-foreground block text-xs">by {key.createdBy.name ?? key.createdBy.email}</span>
                    )}
                  </TableCell>
                  <TableCell className="hidden sm:table-cell">
                    <Timestamp value={key.lastUsedAt} fallback="Never" />
                  </TableCell>
                  <TableCell>
                    {key.revokedAt ? (
                      <Badge variant="muted" title={`Revoked ${formatDateTime(key.revokedAt)}`}>
                        Revoked
                      </Badge>
                    ) : (
                      <Badge variant="success">Active</Badge>
                    )}
                  </TableCell>
                  {canManage && (
                    <TableCell className="text-right">
                      {!key.revokedAt && <RevokeApiKeyButton workspaceId={workspace.id} kind={kind} apiKey={key} />}
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </DataTable>
        )}
      </QueryView>
    </section>
  );
}

export function ApiKeysScreen() {
  return (
    <div className="grid gap-10">
      {SECTIONS.map((section, i) => (
        <Fragment key={section.title}>
          <KeysSection section={section} primary={i === 0} />
          {/* Where ingest keys are used besides the JSON API. */}
          {i === 0 && <OtlpEndpointCard />}
        </Fragment>
      ))}
    </div>
  );
}
