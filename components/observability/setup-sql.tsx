"use client";

import { useQuery, type UseQueryResult } from "@tanstack/react-query";
import { CopyButton } from "@/components/ui/copy-button";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import { errorMessage } from "@/lib/client/api";
import { observabilityApi, observabilityKeys, type DestinationType } from "./api";
import type { FieldDescriptor } from "@/lib/destinations/define";
import { useSettled } from "./use-settled";

/** The CREATE TABLE of a destination (saved, or the form's current values), with Copy. */
export function SetupSqlPanel({ sql, description }: { sql: UseQueryResult<string>; description: string }) {
  return (
    <section aria-labelledby="setup-sql-title" className="grid gap-3">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="grid gap-1">
          <h3 id="setup-sql-title" className="text-base font-semibold">
            Table setup
          </h3>
          <p className="text-muted-foreground text-sm">{description}</p>
        </div>
        {sql.data && <CopyButton value={sql.data} label="Copy SQL" size="sm" />}
      </div>
      {sql.isPending ? (
        <Skeleton className="h-48" role="status" aria-label="Loading setup SQL" />
      ) : sql.isError ? (
        <ErrorState title="Could not build the setup SQL" message={errorMessage(sql.error)} onRetry={() => sql.refetch()} />
      ) : (
        <pre className="bg-muted/50 max-h-96 overflow-auto rounded-lg border p-3 font-mono text-xs">
          <code>{sql.data}</code>
        </pre>
      )}
    </section>
  );
}

/**
 * The setup SQL for the values being typed (database, schema, table…), so the table can be created
 * before the first test. Secrets are never sent for it.
 */
export function SetupSqlPreview({ workspaceId, type, config }: { workspaceId: string; type: DestinationType; config: Record<string, unknown> }) {
  const secret = new Set(type.fields.filter((f: FieldDescriptor) => f.secret).map((f) => f.key));
  const plain = JSON.stringify(Object.fromEntries(Object.entries(config).filter(([key, value]) => !secret.has(key) && value !== null)));
  const settled = useSettled(plain);
  const sql = useQuery({
    queryKey: observabilityKeys.setupSqlPreview(workspaceId, type.type, settled),
    queryFn: () => observabilityApi.setupSqlPreview(workspaceId, { type: type.type, config: JSON.parse(settled) as Record<string, unknown> }),
    placeholderData: (previous) => previous,
    retry: false,
  });
  return <SetupSqlPanel sql={sql} description={`Run this once in ${type.name} to create the table traces are written to (it follows the values above).`} />;
}
