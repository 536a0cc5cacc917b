"use client";

// The body of "Add destination" (./catalog-dialog.tsx): loaded when the dialog first opens.
import * as React from "react";
import Link from "next/link";
import { SearchIcon } from "lucide-react";
import { ErrorState } from "@/components/ui/error-state";
import { Input } from "@/components/ui/input";
import { errorMessage } from "@/lib/client/api";
import type { DestinationType } from "./api";
import { CatalogSkeleton } from "./catalog-skeleton";
import { useDestinationTypes } from "./destination-types";
import { newDestinationPath } from "./paths";
import { PlatformIcon } from "./platform-icon";
import { useBroadcastAccess } from "./status";

/** Types matching the search (name, type id, category or description), grouped by category in catalog order. */
export function groupCatalog(types: readonly DestinationType[], search: string): [string, DestinationType[]][] {
  const needle = search.trim().toLowerCase();
  const groups = new Map<string, DestinationType[]>();
  for (const t of types) {
    const haystack = `${t.name} ${t.type} ${t.category} ${t.description}`.toLowerCase();
    if (needle && !haystack.includes(needle)) continue;
    groups.set(t.category, [...(groups.get(t.category) ?? []), t]);
  }
  return [...groups];
}

/** The search box and the platforms it matches; picking one opens its form. */
export function CatalogBrowser() {
  const { workspaceId } = useBroadcastAccess();
  // Lives as long as the dialog's content: closing the dialog clears the search.
  const [search, setSearch] = React.useState("");
  const types = useDestinationTypes();
  const groups = types.data ? groupCatalog(types.data, search) : [];
  return (
    <>
      <div className="relative">
        <SearchIcon className="text-muted-foreground pointer-events-none absolute top-2.5 left-3 size-4" aria-hidden />
        <Input
          type="search"
          aria-label="Search platforms"
          autoFocus
          placeholder="Search platforms"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          className="pl-9"
        />
      </div>
      <div className="-mx-6 overflow-y-auto px-6">
        {types.isPending ? (
          <CatalogSkeleton />
        ) : types.isError ? (
          <ErrorState title="Could not load the platforms" message={errorMessage(types.error)} onRetry={() => types.refetch()} />
        ) : groups.length === 0 ? (
          <p className="text-muted-foreground py-8 text-center text-sm">No platform matches &ldquo;{search}&rdquo;.</p>
        ) : (
          <div className="grid gap-5 pb-1">
            {groups.map(([category, entries]) => (
              <section key={category} aria-label={category} className="grid gap-2">
                <h3 className="text-muted-foreground text-xs font-medium tracking-wide uppercase">{category}</h3>
                <ul className="grid gap-2 sm:grid-cols-2">
                  {entries.map((t) => (
                    <li key={t.type}>
                      <Link
                        href={newDestinationPath(workspaceId, t.type)}
                        className="hover:bg-accent focus-visible:ring-ring/50 flex h-full items-start gap-3 rounded-lg border p-3 outline-none focus-visible:ring-[3px]"
                      >
                        <PlatformIcon type={t.type} className="text-muted-foreground" />
                        <span className="grid min-w-0 gap-0.5">
                          <span className="text-sm font-medium">{t.name}</span>
                          <span className="text-muted-foreground line-clamp-2 text-xs">{t.description}</span>
                        </span>
                      </Link>
                    </li>
                  ))}
                </ul>
              </section>
            ))}
          </div>
        )}
      </div>
    </>
  );
}
