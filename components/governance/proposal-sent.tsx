"use client";

import { lazyComponent } from "@/components/shell/lazy";
import { useAnnouncedProposal } from "./proposal-store";

const ProposalSentDialog = lazyComponent(() => import("./proposal-sent-dialog").then((m) => m.ProposalSentDialog));

/** The "Sent for approval" dialog of the change just proposed, if any (mounted once, in the app shell). */
export function ProposalSent() {
  const proposal = useAnnouncedProposal();
  return proposal ? <ProposalSentDialog key={proposal.id} proposal={proposal} /> : null;
}
