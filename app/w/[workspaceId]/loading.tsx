import { PageHeaderSkeleton, TableSkeleton } from "@/components/shell/skeletons";

export default function WorkspaceLoading() {
  return (
    <div className="grid gap-8">
      <PageHeaderSkeleton />
      <TableSkeleton />
    </div>
  );
}
