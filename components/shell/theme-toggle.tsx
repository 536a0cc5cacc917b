"use client";

import * as React from "react";
import { MonitorIcon, MoonIcon, SunIcon, type LucideIcon } from "lucide-react";
import { cn } from "@/lib/client/utils";
import { chooseTheme, storedThemeChoice, subscribeToTheme, type ThemeChoice } from "./theme";

const OPTIONS: { choice: ThemeChoice; label: string; icon: LucideIcon }[] = [
  { choice: "system", label: "System", icon: MonitorIcon },
  { choice: "light", label: "Light", icon: SunIcon },
  { choice: "dark", label: "Dark", icon: MoonIcon },
];

/** Three-way switch: follow the OS, or always light, or always dark (remembered in this browser). */
export function ThemeToggle() {
  // The stored choice is read on the client only; the server renders "system" (the page's class is
  // already right: THEME_SCRIPT set it before paint).
  const choice = React.useSyncExternalStore(subscribeToTheme, storedThemeChoice, () => "system" as const);
  return (
    <div role="radiogroup" aria-label="Theme" className="bg-sidebar-accent/60 grid grid-cols-3 gap-0.5 rounded-md p-0.5">
      {OPTIONS.map(({ choice: option, label, icon: Icon }) => (
        <button
          key={option}
          type="button"
          role="radio"
          aria-checked={choice === option}
          title={option === "system" ? "Follow the system's setting" : `Always ${label.toLowerCase()}`}
          onClick={() => chooseTheme(option)}
          className={cn(
            "text-sidebar-foreground/70 hover:text-sidebar-foreground focus-visible:ring-sidebar-ring flex h-7 items-center justify-center gap-1.5 rounded text-xs outline-none focus-visible:ring-[3px] [&_svg]:size-3.5",
            choice === option && "bg-background text-sidebar-foreground shadow-sm",
          )}
        >
          <Icon aria-hidden />
          {label}
        </button>
      ))}
    </div>
  );
}
