"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { BanIcon, KeyRoundIcon } from "lucide-react";
import { apiKeysApi, apiKeysQueryKey, type ApiKeyRow } from "@/components/api-keys/api";
import { CreateApiKeyDialog } from "@/components/api-keys/create-api-key-dialog";
import { OtlpEndpointCard } from "@/components/api-keys/otlp-endpoint-card";
import { ConfirmDialog } from "@/components/shell/confirm-dialog";
import { DataTable } from "@/components/shell/data-table";
import { PageHeader } from "@/components/shell/page-header";
import { QueryView } from "@/components/shell/query-view";
import { RowActionButton } from "@/components/shell/row-action-button";
import { useCan, useCurrentWorkspace } from "@/components/shell/workspace-context";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatDate, formatDateTime, formatRelative } from "@/lib/format";
import { toast } from "@/lib/toast";

function RevokeApiKeyButton({ workspaceId, apiKey }: { workspaceId: string; apiKey: ApiKeyRow }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => apiKeysApi.revoke(workspaceId, apiKey.id),
    onSuccess: () => {
      toast.success(`API key "${apiKey.name}" revoked`);
      return queryClient.invalidateQueries({ queryKey: apiKeysQueryKey(workspaceId) });
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

export function ApiKeysScreen() {
  const { workspace } = useCurrentWorkspace();
  const canManage = useCan("apiKeys:manage");
  const keys = useQuery({ queryKey: apiKeysQueryKey(workspace.id), queryFn: () => apiKeysApi.list(workspace.id) });

  return (
    <div className="grid gap-8">
      <PageHeader
        title="API keys"
        description="Your apps authenticate with these keys when they send traces. Broadcast can include or exclude traces per key."
        actions={canManage && <CreateApiKeyDialog workspaceId={workspace.id} />}
      />
      <QueryView
        query={keys}
        what="API keys"
        isEmpty={(rows) => rows.length === 0}
        empty={
          <EmptyState
            icon={<KeyRoundIcon />}
            title="No API keys yet"
            description={
              canManage
                ? "Create a key for each app or environment that sends traces."
                : "An admin or owner of this workspace can create keys."
            }
            action={canManage && <CreateApiKeyDialog workspaceId={workspace.id} />}
          />
        }
      >
        {(rows) => (
          <DataTable aria-label="API keys">
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
                      {!key.revokedAt && <RevokeApiKeyButton workspaceId={workspace.id} apiKey={key} />}
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </DataTable>
        )}
      </QueryView>
      <OtlpEndpointCard />
    </div>
  );
}
