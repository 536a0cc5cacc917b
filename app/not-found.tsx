import { SearchXIcon } from "lucide-react";
import { FullPageNotice } from "@/components/shell/full-page-notice";

export default function NotFound() {
  return (
    <FullPageNotice
      icon={<SearchXIcon />}
      title="Page not found"
      description="This page does not exist, or it belongs to a workspace you are not a member of."
    />
  );
}
