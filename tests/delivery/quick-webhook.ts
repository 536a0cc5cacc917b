// A test-only destination: the real Webhook encoder with a short timeout and small batches, so
// timeouts and batch splitting can be exercised in milliseconds. Registered by vi.mock in tests.
import webhook from "@/lib/destinations/webhook";
import { defineDestination } from "@/lib/destinations/define";

export const QUICK_TIMEOUT_MS = 400;

export const quickWebhook = defineDestination({
  ...webhook,
  type: "test-quick-webhook",
  name: "Quick webhook (test)",
  maxBatch: 3,
  maxBatchBytes: undefined,
  timeoutMs: QUICK_TIMEOUT_MS,
});

export function withQuickWebhook<T extends { getDefinition: (type: string) => unknown }>(registry: T): T {
  return { ...registry, getDefinition: (type: string) => (type === quickWebhook.type ? quickWebhook : registry.getDefinition(type)) };
}
