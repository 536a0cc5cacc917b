"use client";

import * as React from "react";
import type { UseQueryResult } from "@tanstack/react-query";
import { TableSkeleton } from "@/components/shell/skeletons";
import { ErrorState } from "@/components/ui/error-state";
import { errorMessage } from "@/lib/client/api";

/**
 * The four states of a screen's data in one place: loading (a skeleton of the same height as the
 * content), error (with retry), empty, and the data itself.
 */
export function QueryView<T>({
  query,
  what,
  isEmpty,
  empty,
  skeleton = <TableSkeleton label={`Loading ${what}`} />,
  children,
}: {
  query: UseQueryResult<T>;
  /** What is being loaded, for the loading label and the error title ("API keys"). */
  what: string;
  isEmpty?: (data: T) => boolean;
  empty?: React.ReactNode;
  skeleton?: React.ReactNode;
  children: (data: T) => React.ReactNode;
}) {
  if (query.isPending) return skeleton;
  if (query.isError)
    return (
      <ErrorState
        title={`Could not load ${what}`}
        message={errorMessage(query.error)}
        onRetry={() => query.refetch()}
        retrying={query.isFetching}
      />
    );
  if (isEmpty?.(query.data) && empty) return empty;
  return children(query.data);
}
