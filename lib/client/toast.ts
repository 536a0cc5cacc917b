// toast.success / error / info for client components, without sonner in the first-load JS: sonner
// is one module (its store and its <Toaster>, ~9 KiB gzipped) that every page would otherwise load
// up front for a message shown only after the user does something. It is fetched when the browser
// is first idle after the page has loaded (components/providers.tsx) or on the first toast,
// whichever comes first; a toast asked for before then appears once it has arrived.
type Sonner = typeof import("sonner");
type Toast = Sonner["toast"];

let sonner: Promise<Sonner> | null = null;
const onFirstLoad = new Set<() => void>();

/** Fetches sonner (once). */
export function loadToasts(): Promise<Sonner> {
  if (!sonner) {
    sonner = import("sonner");
    for (const listener of onFirstLoad) listener();
  }
  return sonner;
}

/** Calls `listener` when sonner starts loading (at once if it already has); returns the unsubscribe. */
export function whenToastsLoad(listener: () => void): () => void {
  if (sonner) listener();
  else onFirstLoad.add(listener);
  return () => void onFirstLoad.delete(listener);
}

export const toast = {
  success: (...args: Parameters<Toast["success"]>) => void loadToasts().then((s) => s.toast.success(...args)),
  error: (...args: Parameters<Toast["error"]>) => void loadToasts().then((s) => s.toast.error(...args)),
  info: (...args: Parameters<Toast["info"]>) => void loadToasts().then((s) => s.toast.info(...args)),
};
