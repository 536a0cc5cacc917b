import type { Metadata } from "next";
import Link from "next/link";
import { AcceptInviteForm } from "@/components/auth/accept-invite-form";
import { ROLE_LABELS } from "@/components/shell/role-badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { SIGN_IN_PATH } from "@/lib/auth/base-config";
import { getSessionUser } from "@/lib/auth/session";
import { formatDateTime } from "@/lib/client/format";
import { withCallback } from "@/lib/safe-redirect";
import { invitePath, previewInvite } from "@/lib/workspaces/invites";

export const metadata: Metadata = { title: "Invitation" };

const UNUSABLE: Record<"accepted" | "revoked" | "expired", string> = {
  accepted: "This invite link was already used. Ask for a new one if you still need access.",
  revoked: "This invite link was revoked. Ask the person who sent it for a new one.",
  expired: "This invite link has expired. Ask the person who sent it for a new one.",
};

function Message({ title, description, children }: { title: string; description: string; children?: React.ReactNode }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-xl">{title}</CardTitle>
        <CardDescription>{description}</CardDescription>
      </CardHeader>
      {children && <CardContent className="grid gap-2">{children}</CardContent>}
    </Card>
  );
}

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const [invite, user] = await Promise.all([previewInvite(token), getSessionUser()]);
  const here = invitePath(token);

  if (!invite) return <Message title="Invite not found" description="This invite link is not valid. Check that you copied all of it." />;
  if (invite.status !== "pending") return <Message title="Invite unavailable" description={UNUSABLE[invite.status]} />;

  const what = `${invite.workspaceName} as ${ROLE_LABELS[invite.role].toLowerCase()}`;
  if (!user) {
    return (
      <Message title="You're invited" description={`Join ${what}. Sign in or create an account to accept.`}>
        <Button asChild>
          <Link href={withCallback(SIGN_IN_PATH, here)}>Sign in to accept</Link>
        </Button>
        <Button asChild variant="outline">
          <Link href={withCallback("/sign-up", here)}>Create an account</Link>
        </Button>
      </Message>
    );
  }

  return (
    <Message
      title="You're invited"
      description={`Join ${what}. Signed in as ${user.email}. The link expires ${formatDateTime(invite.expiresAt)}.`}
    >
      <AcceptInviteForm token={token} workspaceName={invite.workspaceName} />
    </Message>
  );
}
