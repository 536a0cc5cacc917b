// The observability dialogs, loaded when first opened rather than with the pages that offer them
// (they are most of a page's own code and few visits open one). preloadDestinationDialogs() is
// called when a destination's actions menu opens, so they have usually arrived by the click.
import { lazyDialog } from "@/components/shell/lazy";

export const TestTraceDialog = lazyDialog(() => import("./test-trace").then((m) => m.TestTraceDialog));
export const SavedTestDialog = lazyDialog(() => import("./destination-dialogs").then((m) => m.SavedTestDialog));
export const DeleteDestinationDialog = lazyDialog(() => import("./destination-dialogs").then((m) => m.DeleteDestinationDialog));

export function preloadDestinationDialogs() {
  void TestTraceDialog.preload();
  void SavedTestDialog.preload();
  void DeleteDestinationDialog.preload();
}
