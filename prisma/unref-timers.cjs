// The Prisma CLI's wasm schema engine leaves 10 s / 60 s timers pending after its work is done,
// so `migrate deploy` lingers ~12 s and `migrate dev` ~62 s. Unref long timers so the CLI exits
// when it is finished (preloaded through NODE_OPTIONS by the db:* scripts).
const orig = global.setTimeout;
global.setTimeout = function (fn, ms, ...args) {
  const t = orig.call(this, fn, ms, ...args);
  if (typeof ms === "number" && ms >= 5000 && t && typeof t.unref === "function") t.unref();
  return t;
};
