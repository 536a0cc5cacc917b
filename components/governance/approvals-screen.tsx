"use client";

import * as React from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { InboxIcon, Loader2Icon } from "lucide-react";
import { changeRequestApi, changeRequestKeys, type ChangeRequestFilter } from "@/components/governance/api";
import { ChangeRequestCard } from "@/components/governance/change-request-card";
import { PageHeader } from "@/components/shell/page-header";
import { QueryView } from "@/components/shell/query-view";
import { useCan, useCurrentWorkspace } from "@/components/shell/workspace-context";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { FormError } from "@/components/ui/form-field";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { errorMessage } from "@/lib/client/api";

function RequestList({ filter, empty }: { filter: ChangeRequestFilter; empty: { title: string; description: string } }) {
  const { workspace } = useCurrentWorkspace();
  const requests = useInfiniteQuery({
    queryKey: changeRequestKeys.list(workspace.id, filter),
    queryFn: ({ pageParam }) => changeRequestApi.list(workspace.id, filter, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    select: (data) => data.pages.flatMap((p) => p.changeRequests),
  });
  return (
    <QueryView
      query={requests}
      what="change requests"
      isEmpty={(rows) => rows.length === 0}
      empty={<EmptyState icon={<InboxIcon />} title={empty.title} description={empty.description} />}
    >
      {(rows) => (
        <div className="grid gap-4">
          {rows.map((request) => (
            <ChangeRequestCard key={request.id} request={request} />
          ))}
          {requests.isFetchNextPageError && <FormError message={errorMessage(requests.error)} />}
          {requests.hasNextPage && (
            <Button variant="outline" className="justify-self-center" onClick={() => requests.fetchNextPage()} disabled={requests.isFetchingNextPage}>
              {requests.isFetchingNextPage && <Loader2Icon className="animate-spin" aria-hidden />}
              Load older requests
            </Button>
          )}
        </div>
      )}
    </QueryView>
  );
}

/**
 * Admins and owners: the queue of pending changes (approve / reject with a reason) and the
 * history. Members: their own requests, with status, reasons and withdraw.
 */
export function ApprovalsScreen() {
  const { workspace } = useCurrentWorkspace();
  const canDecide = useCan("approvals:decide");

  if (workspace.kind === "personal") {
    return (
      <div className="grid gap-8">
        <PageHeader title="Approvals" />
        <EmptyState
          icon={<InboxIcon />}
          title="Nothing to approve in a personal workspace"
          description="Your changes apply at once. In an organization, members' broadcast changes wait here for an admin's approval."
        />
      </div>
    );
  }

  if (!canDecide) {
    return (
      <div className="grid gap-8">
        <PageHeader
          title="My requests"
          description="In this organization, your broadcast changes are applied once an admin approves them. Follow them here."
        />
        <RequestList
          filter={{ mine: true }}
          empty={{ title: "No requests yet", description: "Changes you make in Observability settings are proposed here for an admin's approval." }}
        />
      </div>
    );
  }

  return (
    <div className="grid gap-8">
      <PageHeader
        title="Approvals"
        description="Members' broadcast changes wait here. Approving applies the change at once, checked again against the current settings."
      />
      <Tabs defaultValue="pending" className="gap-6">
        <TabsList>
          <TabsTrigger value="pending">Pending</TabsTrigger>
          <TabsTrigger value="history">All requests</TabsTrigger>
        </TabsList>
        <TabsContent value="pending">
          <RequestList filter={{ status: "pending" }} empty={{ title: "All caught up", description: "No change is waiting for approval." }} />
        </TabsContent>
        <TabsContent value="history">
          <RequestList filter={{}} empty={{ title: "No requests yet", description: "Members' proposed changes and their outcomes are listed here." }} />
        </TabsContent>
      </Tabs>
    </div>
  );
}
