"use client";

import * as React from "react";
import Link from "next/link";
import { ChevronsUpDownIcon, LogOutIcon, MonitorXIcon, UserRoundIcon } from "lucide-react";
import * as z from "zod/mini";
import { signOutAction } from "@/lib/auth/form-actions";
import { useCurrentWorkspace } from "@/components/shell/workspace-context";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { api, errorMessage } from "@/lib/client/api";
import { toast } from "@/lib/client/toast";
import { cn } from "@/lib/client/utils";
import { workspacePath } from "@/lib/workspace-paths";

const endedSessions = z.object({ ended: z.number() });

/** Ends every session of the user on the server (a refusal throws), then signs this browser out (clears its cookie). */
export async function endEverySession() {
  await api.delete("/api/account/sessions", endedSessions);
  await signOutAction();
}

async function signOutEverywhere() {
  try {
    await api.delete("/api/account/sessions", endedSessions);
  } catch (error) {
    toast.error(errorMessage(error));
    return;
  }
  await signOutAction();
}

function initials(name: string | null, email: string): string {
  const words = (name?.trim() || email.split("@")[0]).split(/[\s._-]+/).filter(Boolean);
  return (words.length > 1 ? words[0][0] + words[1][0] : words[0].slice(0, 2)).toUpperCase();
}

/** Initials in a circle (accounts have no picture, so no image loading: radix Avatar is not needed). */
export function UserAvatar({ name, email, className }: { name: string | null; email: string; className?: string }) {
  return (
    <span
      data-slot="avatar"
      className={cn("bg-muted flex size-8 shrink-0 items-center justify-center rounded-full text-xs font-medium", className)}
    >
      {initials(name, email)}
    </span>
  );
}

export function UserMenu() {
  const { user, workspace } = useCurrentWorkspace();
  const [signingOut, startSignOut] = React.useTransition();
  return (
    <DropdownMenu>
      <DropdownMenuTrigger
        className="hover:bg-sidebar-accent focus-visible:ring-sidebar-ring data-[state=open]:bg-sidebar-accent flex w-full items-center gap-2 rounded-md p-2 text-left outline-none focus-visible:ring-[3px]"
        aria-label={`Account: ${user.email}`}
      >
        <UserAvatar name={user.name} email={user.email} />
        <span className="grid min-w-0 flex-1 leading-tight">
          <span className="truncate font-medium">{user.name ?? user.email}</span>
          {user.name && <span className="text-muted-foreground truncate text-xs">{user.email}</span>}
        </span>
        <ChevronsUpDownIcon className="text-muted-foreground size-4 shrink-0" aria-hidden />
      </DropdownMenuTrigger>
      <DropdownMenuContent side="top" align="start" className="w-(--radix-dropdown-menu-trigger-width) min-w-56">
        <DropdownMenuLabel className="grid font-normal">
          <span className="truncate font-medium">{user.name ?? user.email}</span>
          <span className="text-muted-foreground truncate text-xs">{user.email}</span>
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuItem asChild>
          <Link href={workspacePath(workspace.id, "account")}>
            <UserRoundIcon aria-hidden />
            Account settings
          </Link>
        </DropdownMenuItem>
        <DropdownMenuItem disabled={signingOut} onSelect={() => startSignOut(() => signOutAction())}>
          <LogOutIcon aria-hidden />
          Sign out
        </DropdownMenuItem>
        <DropdownMenuItem disabled={signingOut} onSelect={() => startSignOut(signOutEverywhere)}>
          <MonitorXIcon aria-hidden />
          Sign out everywhere
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
