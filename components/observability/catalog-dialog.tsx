"use client";

import * as React from "react";
import { usePathname, useSearchParams } from "next/navigation";
import { PlusIcon } from "lucide-react";
import { lazyComponent } from "@/components/shell/lazy";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
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

/** The catalog is open while the page's URL has `?add=destination`: a link, a reload and Back all keep it. */
const CATALOG_PARAM = "add";
const CATALOG_VALUE = "destination";

// Whether this page's history entry with the catalog open was pushed by a click here: closing then
// goes back to the entry before it rather than leaving one that reopens the catalog on Back.
let pushedByClick = false;

/**
 * "Add destination": a GET form that asks for this page with the catalog open. A click before the
 * page's script has loaded still works (the browser loads that URL); after, it opens in place.
 */
export function AddDestinationButton() {
  const { proposes } = useBroadcastAccess();
  const pathname = usePathname();
  return (
    <form
      method="get"
      action={pathname}
      className="contents"
      onSubmit={(event) => {
        event.preventDefault();
        const params = new URLSearchParams(window.location.search);
        params.set(CATALOG_PARAM, CATALOG_VALUE);
        window.history.pushState(null, "", `${pathname}?${params}`);
        pushedByClick = true;
      }}
    >
      <input type="hidden" name={CATALOG_PARAM} value={CATALOG_VALUE} />
      <Button type="submit" onPointerEnter={CatalogBrowser.preload} onFocus={CatalogBrowser.preload}>
        <PlusIcon aria-hidden /> {proposes ? "Propose destination" : "Add destination"}
      </Button>
    </form>
  );
}

/** The platforms, searchable and grouped by category; picking one opens its form. One per page, opened by its buttons. */
export function CatalogDialog() {
  const { proposes } = useBroadcastAccess();
  const searchParams = useSearchParams();
  const pathname = usePathname();
  const open = searchParams.get(CATALOG_PARAM) === CATALOG_VALUE;
  // Leaving the page (to a platform's form) ends what the click pushed: Back comes back here.
  React.useEffect(() => () => void (pushedByClick = false), []);
  const close = () => {
    if (pushedByClick) {
      pushedByClick = false;
      window.history.back();
      return;
    }
    const params = new URLSearchParams(searchParams.toString());
    params.delete(CATALOG_PARAM);
    const query = params.toString();
    window.history.replaceState(null, "", query ? `${pathname}?${query}` : pathname);
  };
  return (
    <Dialog open={open} onOpenChange={(next) => !next && close()}>
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
