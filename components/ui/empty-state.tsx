import * as React from "react";
import { cn } from "@/lib/client/utils";

/** What a screen shows when there is nothing to list yet: what this is, and the first step. */
function EmptyState({
  icon,
  title,
  description,
  action,
  className,
}: {
  icon?: React.ReactNode;
  title: string;
  description?: React.ReactNode;
  action?: React.ReactNode;
  className?: string;
}) {
  return (
    <div
      data-slot="empty-state"
      className={cn(
        "flex flex-col items-center justify-center gap-3 rounded-lg border border-dashed px-6 py-12 text-center",
        className,
      )}
    >
      {icon && (
        <div className="bg-muted text-muted-foreground flex size-10 items-center justify-center rounded-lg [&_svg]:size-5">
          {icon}
        </div>
      )}
      <div className="grid max-w-md gap-1">
        <h3 className="text-base font-semibold">{title}</h3>
        {description && <div className="text-muted-foreground text-sm text-balance">{description}</div>}
      </div>
      {action && <div className="mt-2 flex flex-wrap items-center justify-center gap-2">{action}</div>}
    </div>
  );
}

export { EmptyState };
