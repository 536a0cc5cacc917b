"use client";

import Link from "next/link";
import { ArrowLeftIcon } from "lucide-react";
import { PageHeader } from "@/components/shell/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { ErrorState } from "@/components/ui/error-state";
import { errorMessage } from "@/lib/client/api";
import { workspacePath } from "@/lib/workspace-paths";
import { useDestinationTypes } from "./destination-types";
import { ProposeNote } from "@/components/governance/propose-note";
import { DestinationEditor } from "./destination-editor";
import { PlatformIcon } from "./platform-icon";
import { useBroadcastAccess } from "./status";

/** The form for a new destination of one platform (opened from the catalog). */
export function NewDestination({ type: typeId }: { type: string }) {
  const { workspaceId, proposes } = useBroadcastAccess();
  const types = useDestinationTypes();
  const type = types.data?.find((t) => t.type === typeId);
  return (
    <div className="grid gap-6">
      <Link
        href={workspacePath(workspaceId, "observability")}
        className="text-muted-foreground hover:text-foreground focus-visible:ring-ring/50 flex w-fit items-center gap-1 rounded text-sm outline-none focus-visible:ring-[3px]"
      >
        <ArrowLeftIcon className="size-4" aria-hidden /> Observability
      </Link>
      {types.isPending ? (
        <div role="status" aria-label="Loading form" className="grid gap-6">
          <Skeleton className="h-14 w-80 max-w-full" />
          <Skeleton className="h-[32rem]" />
        </div>
      ) : types.isError ? (
        <ErrorState title="Could not load the platforms" message={errorMessage(types.error)} onRetry={() => types.refetch()} />
      ) : !type ? (
        <ErrorState title="Unknown platform" message={`There is no destination type "${typeId}".`} />
      ) : (
        <>
          <div className="flex items-start gap-3">
            <PlatformIcon type={type.type} className="text-muted-foreground size-10" />
            <PageHeader
              title={proposes ? `Propose ${type.name}` : `Add ${type.name}`}
              description={
                <>
                  {type.description}{" "}
                  <a href={type.docsUrl} target="_blank" rel="noreferrer" className="underline underline-offset-2">
                    Platform docs
                  </a>
                </>
              }
            />
          </div>
          {proposes && <ProposeNote />}
          <DestinationEditor type={type} />
        </>
      )}
    </div>
  );
}
