"use client";

import * as React from "react";
import { PlusIcon } from "lucide-react";
import { lazyComponent } from "@/components/shell/lazy";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Skeleton } from "@/components/ui/skeleton";
import { CatalogSkeleton } from "./catalog-skeleton";
import { useBroadcastAccess } from "./status";

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
