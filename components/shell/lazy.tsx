"use client";

import * as React from "react";

/**
 * A component whose code is fetched when it first renders instead of with the page, for parts few
 * visits use (dialogs, a catalog): they stay out of the first-load JS (npm run check:bundle).
 * `preload()` starts the fetch early, on the intent to use it (pointer over or focus on its button,
 * its menu opening), so the code has usually arrived by the click; `fallback` shows until then.
 */
export function lazyComponent<P extends object>(load: () => Promise<React.ComponentType<P>>, fallback: React.ReactNode = null) {
  let loading: Promise<{ default: React.ComponentType<P> }> | null = null;
  // One fetch however often it is asked for. If it fails, the error reaches the segment's error
  // boundary, as a failed chunk of any page does.
  const preload = () => (loading ??= load().then((component) => ({ default: component })));
  const Loaded = React.lazy(preload) as React.ComponentType<P>;
  function LazyComponent(props: P) {
    return (
      <React.Suspense fallback={fallback}>
        <Loaded {...props} />
      </React.Suspense>
    );
  }
  return Object.assign(LazyComponent, { preload });
}

/**
 * lazyComponent for a controlled dialog: renders nothing until it is first opened, then stays
 * mounted so it closes with its animation and keeps its state like an eagerly loaded one.
 */
export function lazyDialog<P extends { open: boolean }>(load: () => Promise<React.ComponentType<P>>) {
  const Dialog = lazyComponent(load);
  function LazyDialog(props: P) {
    const [opened, setOpened] = React.useState(props.open);
    if (props.open && !opened) setOpened(true);
    return opened || props.open ? <Dialog {...props} /> : null;
  }
  return Object.assign(LazyDialog, { preload: Dialog.preload });
}
