"use client";

import * as React from "react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { ActivityIcon, BellIcon, InboxIcon, KeyRoundIcon, MenuIcon, RadioTowerIcon, ScrollTextIcon, UsersIcon, type LucideIcon } from "lucide-react";
import { Logo } from "@/components/brand/logo";
import { BroadcastOffBanner } from "@/components/observability/broadcast-off-banner";
import { ApprovalsNavBadge } from "@/components/governance/approvals-nav-badge";
import { ThemeToggle } from "@/components/shell/theme-toggle";
import { ProposalSent } from "@/components/governance/proposal-sent";
import { NotificationBell } from "@/components/notifications/notification-bell";
import { UserMenu } from "@/components/shell/user-menu";
import { useCan, useCurrentWorkspace } from "@/components/shell/workspace-context";
import { WorkspaceSwitcher, type WorkspaceOption } from "@/components/shell/workspace-switcher";
import { Button } from "@/components/ui/button";
import { Sheet, SheetContent, SheetDescription, SheetTitle, SheetTrigger } from "@/components/ui/sheet";
import { cn } from "@/lib/client/utils";
import { workspacePath, type WorkspaceSection } from "@/lib/workspace-paths";

const NAV: { section: WorkspaceSection; label: string; icon: LucideIcon; organizationOnly?: true; alertsOnly?: true }[] = [
  { section: "observability", label: "Observability", icon: RadioTowerIcon },
  { section: "traces", label: "Traces", icon: ActivityIcon },
  { section: "alerts", label: "Alerts", icon: BellIcon, alertsOnly: true },
  { section: "approvals", label: "Approvals", icon: InboxIcon, organizationOnly: true },
  { section: "apiKeys", label: "API keys", icon: KeyRoundIcon },
  { section: "members", label: "Members", icon: UsersIcon },
  { section: "audit", label: "Audit log", icon: ScrollTextIcon },
];

function Navigation() {
  const { workspace } = useCurrentWorkspace();
  const canDecide = useCan("approvals:decide");
  const canManageAlerts = useCan("alerts:manage");
  const pathname = usePathname();
  return (
    <nav aria-label="Workspace" className="grid gap-1">
      <p className="text-muted-foreground px-2 pb-1 text-xs font-medium">Settings</p>
      {NAV.filter((item) => (!item.organizationOnly || workspace.kind === "organization") && (!item.alertsOnly || canManageAlerts)).map(({ section, label: navLabel, icon: Icon }) => {
        // Members follow their own proposals on the same screen.
        const label = section === "approvals" && !canDecide ? "My requests" : navLabel;
        const href = workspacePath(workspace.id, section);
        const active = pathname === href || pathname.startsWith(`${href}/`);
        return (
          <Link
            key={section}
            href={href}
            aria-current={active ? "page" : undefined}
            className={cn(
              "text-sidebar-foreground/80 hover:bg-sidebar-accent hover:text-sidebar-accent-foreground focus-visible:ring-sidebar-ring flex h-8 items-center gap-2 rounded-md px-2 text-sm outline-none focus-visible:ring-[3px] [&_svg]:size-4 [&_svg]:shrink-0",
              active && "bg-sidebar-accent text-sidebar-accent-foreground font-medium",
            )}
          >
            <Icon aria-hidden />
            {label}
            {section === "approvals" && <ApprovalsNavBadge />}
          </Link>
        );
      })}
    </nav>
  );
}

function SidebarContent({ workspaces }: { workspaces: WorkspaceOption[] }) {
  return (
    <div className="flex h-full flex-col gap-4 p-3">
      <div className="flex h-10 items-center justify-between px-1">
        <Logo />
        <NotificationBell />
      </div>
      <WorkspaceSwitcher workspaces={workspaces} />
      <Navigation />
      <div className="mt-auto grid gap-2 border-t pt-3">
        <ThemeToggle />
        <UserMenu />
      </div>
    </div>
  );
}

/**
 * The signed-in frame: a fixed sidebar from the md breakpoint up; below it, a top bar whose menu
 * button opens the same sidebar in a sheet (closed again on every navigation).
 */
export function AppShell({ workspaces, children }: { workspaces: WorkspaceOption[]; children: React.ReactNode }) {
  const pathname = usePathname();
  const [menuOpen, setMenuOpen] = React.useState(false);
  const [openedAt, setOpenedAt] = React.useState(pathname);
  // Close the sheet when the route changes (state adjusted during render, not in an effect).
  if (openedAt !== pathname) {
    setOpenedAt(pathname);
    setMenuOpen(false);
  }

  return (
    <div className="flex min-h-dvh">
      <aside className="bg-sidebar text-sidebar-foreground sticky top-0 hidden h-dvh w-64 shrink-0 border-r md:block">
        <SidebarContent workspaces={workspaces} />
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="bg-background/95 supports-[backdrop-filter]:bg-background/80 sticky top-0 z-40 flex h-14 items-center gap-3 border-b px-4 backdrop-blur md:hidden">
          <Sheet open={menuOpen} onOpenChange={setMenuOpen}>
            <SheetTrigger asChild>
              <Button variant="ghost" size="icon" aria-label="Open menu">
                <MenuIcon aria-hidden />
              </Button>
            </SheetTrigger>
            <SheetContent side="left" className="bg-sidebar w-72 gap-0 p-0">
              <SheetTitle className="sr-only">Menu</SheetTitle>
              <SheetDescription className="sr-only">Workspace, navigation and account</SheetDescription>
              <SidebarContent workspaces={workspaces} />
            </SheetContent>
          </Sheet>
          <Logo />
          <div className="ml-auto">
            <NotificationBell />
          </div>
        </header>
        <main id="main" className="flex-1 px-4 py-6 sm:px-6 md:px-10 md:py-10">
          <div className="mx-auto w-full max-w-5xl">
            <BroadcastOffBanner />
            {children}
          </div>
        </main>
        <ProposalSent />
      </div>
    </div>
  );
}
