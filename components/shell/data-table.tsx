import * as React from "react";
import { Table } from "@/components/ui/table";
import { cn } from "@/lib/client/utils";

/**
 * A bordered table whose rows are as tall as TableSkeleton's (h-14), with the outer cells padded
 * to the frame, so swapping the skeleton for data moves nothing.
 */
export function DataTable({ className, ...props }: React.ComponentProps<typeof Table>) {
  return (
    <div className="overflow-hidden rounded-lg border">
      <Table
        className={cn(
          "[&_thead_tr]:bg-muted/40 [&_tbody_tr]:h-14 [&_th]:text-muted-foreground [&_th]:text-xs [&_th]:font-medium [&_th:first-child]:pl-4 [&_th:last-child]:pr-4 [&_td:first-child]:pl-4 [&_td:last-child]:pr-4",
          className,
        )}
        {...props}
      />
    </div>
  );
}
