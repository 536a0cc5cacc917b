import Link from "next/link";
import { SearchXIcon } from "lucide-react";
import { Logo } from "@/components/brand/logo";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

export default function NotFound() {
  return (
    <main className="bg-muted/40 flex min-h-dvh flex-col items-center justify-center gap-6 px-4">
      <Logo />
      <EmptyState
        className="bg-background w-full max-w-md"
        icon={<SearchXIcon />}
        title="Page not found"
        description="This page does not exist, or it belongs to a workspace you are not a member of."
        action={
          <Button asChild>
            <Link href="/">Go to your workspace</Link>
          </Button>
        }
      />
    </main>
  );
}
