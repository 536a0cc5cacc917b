import { InboxIcon } from "lucide-react";

/**
 * Shown to members of organizations wherever they can change broadcast settings: each change is a
 * proposal that an owner or admin approves before it applies (the buttons say "Propose …").
 */
export function ProposeNote() {
  return (
    <p
      role="note"
      aria-label="Changes need approval"
      className="flex items-start gap-2 rounded-lg border border-sky-300 bg-sky-50 px-3 py-2 text-sm text-sky-950 dark:border-sky-800 dark:bg-sky-950 dark:text-sky-100"
    >
      <InboxIcon className="mt-0.5 size-4 shrink-0" aria-hidden />
      <span>
        <span className="font-medium">Your changes go to an admin for approval.</span> Buttons here read “Propose …”: nothing
        changes until an owner or admin of this organization approves. You can add a comment for them, and the bell tells you
        when it is decided.
      </span>
    </p>
  );
}
