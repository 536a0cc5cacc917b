"use client";

import * as React from "react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { Building2Icon, CheckIcon, ChevronsUpDownIcon, PlusIcon, UserIcon } from "lucide-react";
import { CreateOrganizationDialog } from "@/components/shell/create-organization-dialog";
import { ROLE_LABELS } from "@/components/shell/role-badge";
import { useCurrentWorkspace } from "@/components/shell/workspace-context";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuGroup,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import type { Role, WorkspaceKind } from "@/lib/generated/prisma/enums";

export type WorkspaceOption = { id: string; name: string; kind: WorkspaceKind; role: Role };

function KindIcon({ kind, className }: { kind: WorkspaceKind; className?: string }) {
  return kind === "personal" ? <UserIcon className={className} aria-hidden /> : <Building2Icon className={className} aria-hidden />;
}

/** The same screen in another workspace: /w/a/members → /w/b/members. */
function switchPath(pathname: string, currentId: string, targetId: string): string {
  const prefix = `/w/${encodeURIComponent(currentId)}/`;
  const rest = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : "settings/observability";
  return `/w/${encodeURIComponent(targetId)}/${rest}`;
}

function WorkspaceItem({ option, href, current }: { option: WorkspaceOption; href: string; current: boolean }) {
  return (
    <DropdownMenuItem asChild>
      <Link href={href} aria-current={current ? "page" : undefined} className="gap-2">
        <KindIcon kind={option.kind} />
        <span className="min-w-0 flex-1 truncate">{option.name}</span>
        <span className="text-muted-foreground text-xs">{ROLE_LABELS[option.role]}</span>
        <CheckIcon className={current ? "opacity-100" : "opacity-0"} aria-hidden />
      </Link>
    </DropdownMenuItem>
  );
}

export function WorkspaceSwitcher({ workspaces }: { workspaces: WorkspaceOption[] }) {
  const { workspace } = useCurrentWorkspace();
  const pathname = usePathname();
  const [creating, setCreating] = React.useState(false);
  const personal = workspaces.filter((w) => w.kind === "personal");
  const organizations = workspaces.filter((w) => w.kind === "organization");

  return (
    <>
      <DropdownMenu>
        <DropdownMenuTrigger
          className="hover:bg-sidebar-accent focus-visible:ring-sidebar-ring data-[state=open]:bg-sidebar-accent flex w-full items-center gap-2 rounded-md border bg-background p-2 text-left outline-none focus-visible:ring-[3px]"
          aria-label={`Workspace: ${workspace.name}. Switch workspace`}
        >
          <span className="bg-muted flex size-8 shrink-0 items-center justify-center rounded-md">
            <KindIcon kind={workspace.kind} className="size-4" />
          </span>
          <span className="grid min-w-0 flex-1 leading-tight">
            <span className="truncate font-medium">{workspace.name}</span>
            <span className="text-muted-foreground truncate text-xs">
              {workspace.kind === "personal" ? "Personal" : "Organization"} · {ROLE_LABELS[workspace.role]}
            </span>
          </span>
          <ChevronsUpDownIcon className="text-muted-foreground size-4 shrink-0" aria-hidden />
        </DropdownMenuTrigger>
        <DropdownMenuContent align="start" className="w-(--radix-dropdown-menu-trigger-width) min-w-64">
          {personal.length > 0 && (
            <DropdownMenuGroup>
              <DropdownMenuLabel className="text-muted-foreground text-xs font-normal">Personal</DropdownMenuLabel>
              {personal.map((w) => (
                <WorkspaceItem key={w.id} option={w} href={switchPath(pathname, workspace.id, w.id)} current={w.id === workspace.id} />
              ))}
            </DropdownMenuGroup>
          )}
          <DropdownMenuSeparator />
          <DropdownMenuGroup>
            <DropdownMenuLabel className="text-muted-foreground text-xs font-normal">Organizations</DropdownMenuLabel>
            {organizations.length === 0 && (
              <p className="text-muted-foreground px-2 py-1.5 text-xs">You are not in any organization yet.</p>
            )}
            {organizations.map((w) => (
              <WorkspaceItem key={w.id} option={w} href={switchPath(pathname, workspace.id, w.id)} current={w.id === workspace.id} />
            ))}
          </DropdownMenuGroup>
          <DropdownMenuSeparator />
          <DropdownMenuItem onSelect={() => setCreating(true)}>
            <PlusIcon aria-hidden />
            Create organization
          </DropdownMenuItem>
        </DropdownMenuContent>
      </DropdownMenu>
      <CreateOrganizationDialog open={creating} onOpenChange={setCreating} />
    </>
  );
}

