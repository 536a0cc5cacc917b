import { ShieldXIcon } from "lucide-react";
import { FullPageNotice } from "@/components/shell/full-page-notice";

export default function Forbidden() {
  return (
    <FullPageNotice
      icon={<ShieldXIcon />}
      title="Not allowed"
      description="Your role in this workspace does not allow this page. Ask an admin or owner."
    />
  );
}
