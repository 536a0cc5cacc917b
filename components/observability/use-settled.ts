"use client";

import * as React from "react";

/** How long a value must stay still before a preview asks the server about it (typing is many edits). */
export const SETTLE_MS = 400;

/** `value` once it has stopped changing for `ms` (the first value at once). */
export function useSettled<T>(value: T, ms = SETTLE_MS): T {
  const [settled, setSettled] = React.useState(value);
  React.useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
