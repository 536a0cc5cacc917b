import { cn } from "@/lib/client/utils";

/** The Tracecast mark: a trace point sending out two arcs, drawn in currentColor on a rounded tile. */
export function LogoMark({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" aria-hidden="true" className={cn("size-7 shrink-0", className)}>
      <rect width="32" height="32" rx="8" className="fill-primary" />
      <g className="stroke-primary-foreground" fill="none" strokeWidth="2.4" strokeLinecap="round">
        <path d="M8 24 L13.5 16.5 L17.5 19.5 L23.5 10" />
        <path d="M20.5 7.5 a6 6 0 0 1 4 4" opacity="0.55" />
      </g>
      <circle cx="23.5" cy="10" r="2.2" className="fill-primary-foreground" />
    </svg>
  );
}

/** Mark and product name, as shown in the sidebar and above the sign-in card. */
export function Logo({ className }: { className?: string }) {
  return (
    <span className={cn("inline-flex items-center gap-2 font-semibold tracking-tight", className)}>
      <LogoMark />
      <span className="text-base">Tracecast</span>
    </span>
  );
}
