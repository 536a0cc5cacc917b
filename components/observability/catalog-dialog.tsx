"use client";

import * as React from "react";
import { useQuery } from "@tanstack/react-query";
import { PlusIcon } from "lucide-react";
import { lazyComponent } from "@/components/shell/lazy";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Skeleton } from "@/components/ui/skeleton";
import { observabilityApi, observabilityKeys } from "./api";
import { useBroadcastAccess } from "./status";

export function useDestinationTypes() {
  const { workspaceId } = useBroadcastAccess();
  return useQuery({
    queryKey: observabilityKeys.types(workspaceId),
    queryFn: () => observabilityApi.types(workspaceId),
    staleTime: Infinity, // the catalog only changes with a new release
  });
}

/** The platforms while they (or the code that lists them) load. */
export function CatalogSkeleton() {
  return (
    <div role="status" aria-label="Loading platforms" className="grid gap-2 sm:grid-cols-2">
      {Array.from({ length: 8 }, (_, i) => (
        <Skeleton key={i} className="h-[4.5rem]" />
      ))}
    </div>
  );
}

const CatalogBrowser = lazyComponent(
  () => import("./catalog-browser").then((m) => m.CatalogBrowser),
  <>
    <Skeleton className="h-9" />
    <CatalogSkeleton />
  </>,
);

/** "Add destination": the platforms, searchable and grouped by category; picking one opens its form. */
export function CatalogDialog({ trigger }: { trigger?: React.ReactNode }) {
  const { proposes } = useBroadcastAccess();
  return (
    <Dialog>
      <DialogTrigger asChild onPointerEnter={CatalogBrowser.preload} onFocus={CatalogBrowser.preload}>
        {trigger ?? (
          <Button>
            <PlusIcon aria-hidden /> {proposes ? "Propose destination" : "Add destination"}
          </Button>
        )}
      </DialogTrigger>
      <DialogContent className="grid max-h-[90dvh] grid-rows-[auto_auto_minmax(0,1fr)] sm:max-w-2xl">
        <DialogHeader>
          <DialogTitle>{proposes ? "Propose a destination" : "Add a destination"}</DialogTitle>
          <DialogDescription>
            Pick the platform that should receive your traces.{proposes && " An admin approves the new destination before it receives any."}
          </DialogDescription>
        </DialogHeader>
        <CatalogBrowser />
      </DialogContent>
    </Dialog>
  );
}
