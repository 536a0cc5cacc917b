// Opaque keyset cursors for lists sorted newest first by (createdAt, id). The cursor names the last
// row of a page; callers apply it as a filter inside their tenant's `where`, so a cursor never
// reads another workspace's rows.
import { ApiError } from "@/lib/errors";

export type CursorPosition = { createdAt: Date; id: string };

export function encodeCursor(row: CursorPosition): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString("base64url");
}

/** 400 naming `cursor` for anything this API did not hand out. */
export function decodeCursor(cursor: string): CursorPosition {
  const [iso, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const createdAt = new Date(iso ?? "");
  if (!id || Number.isNaN(createdAt.getTime()))
    throw new ApiError(400, "invalid_request", "Invalid query: cursor: not a cursor from this API", [
      { path: "cursor", message: "Not a cursor returned by this API" },
    ]);
  return { createdAt, id };
}

/** The rows after `position` in (createdAt desc, id desc) order. */
export function cursorWhere(position: CursorPosition) {
  return { OR: [{ createdAt: { lt: position.createdAt } }, { createdAt: position.createdAt, id: { lt: position.id } }] };
}
