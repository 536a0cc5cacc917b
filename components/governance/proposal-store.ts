// The change a member just proposed (a 202 from any broadcast route, seen by the query client's
// mutation cache in components/providers.tsx), for the "Sent for approval" dialog of the app shell,
// where the member may add a comment for the admin who decides.
import * as React from "react";

export type AnnouncedProposal = { id: string; title: string };

let current: AnnouncedProposal | null = null;
const listeners = new Set<() => void>();

function set(next: AnnouncedProposal | null) {
  current = next;
  for (const listener of listeners) listener();
}

export const announceProposal = (proposal: AnnouncedProposal) => set(proposal);
export const dismissProposal = () => set(null);

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

export function useAnnouncedProposal(): AnnouncedProposal | null {
  return React.useSyncExternalStore(subscribe, () => current, () => null);
}

/** Mutation meta of a change that asked for its comment before it was sent: no dialog after it. */
export const COMMENT_ASKED = { proposalCommentAsked: true } as const;
