import { Skeleton } from "@/components/ui/skeleton";

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
