// The UI's membership rules must offer exactly what lib/workspaces/rules.ts accepts.
import { describe, expect, it } from "vitest";
import { grantableRoles, mayManageMember } from "@/components/members/role-rules";

describe("role rules mirrored in the UI", () => {
  it("lets owners grant every role and admins every role but owner", () => {
    expect(grantableRoles("owner")).toEqual(["owner", "admin", "member"]);
    expect(grantableRoles("admin")).toEqual(["admin", "member"]);
    expect(grantableRoles("member")).toEqual([]);
  });

  it("lets only owners manage owners, and nobody without members:manage manage anyone", () => {
    expect(mayManageMember("owner", "owner")).toBe(true);
    expect(mayManageMember("admin", "owner")).toBe(false);
    expect(mayManageMember("admin", "admin")).toBe(true);
    expect(mayManageMember("admin", "member")).toBe(true);
    expect(mayManageMember("member", "member")).toBe(false);
  });
});
