import type * as React from "react";
import Link from "next/link";
import { Logo } from "@/components/brand/logo";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

/** A page of its own (outside the app shell) that explains why there is nothing to show, with a way back. */
export function FullPageNotice({ icon, title, description }: { icon: React.ReactNode; title: string; description: string }) {
  return (
    <main className="bg-muted/40 flex min-h-dvh flex-col items-center justify-center gap-6 px-4">
      <Logo />
      <EmptyState
        className="bg-background w-full max-w-md"
        icon={icon}
        title={title}
        description={description}
        action={
          <Button asChild>
            <Link href="/">Go to your workspace</Link>
          </Button>
        }
      />
    </main>
  );
}
