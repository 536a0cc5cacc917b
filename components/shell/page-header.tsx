import * as React from "react";
import { cn } from "@/lib/client/utils";

/** The title row of a workspace screen: what it is, one sentence on why, and its main actions. */
export function PageHeader({
  title,
  description,
  actions,
  className,
  level = 1,
}: {
  title: string;
  /** 2 for a second section of a screen (one h1 per page). */
  level?: 1 | 2;
  description?: React.ReactNode;
  actions?: React.ReactNode;
  className?: string;
}) {
  return (
    <div className={cn("flex flex-col gap-4 sm:flex-row sm:items-start sm:justify-between", className)}>
      <div className="grid gap-1">
        {level === 1 ? (
          <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        ) : (
          <h2 className="text-xl font-semibold tracking-tight">{title}</h2>
        )}
        {description && <p className="text-muted-foreground max-w-2xl text-sm">{description}</p>}
      </div>
      {actions && <div className="flex shrink-0 flex-wrap items-center gap-2">{actions}</div>}
    </div>
  );
}
