"use client";

import * as React from "react";
import { Toaster as Sonner, type ToasterProps } from "sonner";
import { isDarkNow, subscribeToTheme } from "@/components/shell/theme";

function Toaster(props: ToasterProps) {
  const dark = React.useSyncExternalStore(subscribeToTheme, isDarkNow, () => false);
  return (
    <Sonner
      theme={dark ? "dark" : "light"}
      className="toaster group"
      style={
        {
          "--normal-bg": "var(--popover)",
          "--normal-text": "var(--popover-foreground)",
          "--normal-border": "var(--border)",
        } as React.CSSProperties
      }
      {...props}
    />
  );
}

export { Toaster };
