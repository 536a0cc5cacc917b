import * as React from "react";
import { Button } from "@/components/ui/button";

/**
 * A table row's action: icon and text from the sm breakpoint up, icon only on phones so the row
 * fits. The aria-label names the row ("Revoke Production backend"), so it is required.
 */
export function RowActionButton({
  icon,
  children,
  ...props
}: React.ComponentProps<typeof Button> & { icon: React.ReactNode; "aria-label": string }) {
  return (
    <Button variant="outline" size="sm" {...props}>
      {icon}
      <span className="hidden sm:inline">{children}</span>
    </Button>
  );
}
