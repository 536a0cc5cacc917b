import Link from "next/link";
import { ShieldXIcon } from "lucide-react";
import { Logo } from "@/components/brand/logo";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

export default function Forbidden() {
  return (
    <main className="bg-muted/40 flex min-h-dvh flex-col items-center justify-center gap-6 px-4">
      <Logo />
      <EmptyState
        className="bg-background w-full max-w-md"
        icon={<ShieldXIcon />}
        title="Not allowed"
        description="Your role in this workspace does not allow this page. Ask an admin or owner."
        action={
          <Button asChild>
            <Link href="/">Go to your workspace</Link>
          </Button>
        }
      />
    </main>
  );
}
