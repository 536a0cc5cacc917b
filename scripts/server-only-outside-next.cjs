// Preload (`node --require ./scripts/server-only-outside-next.cjs --import tsx script.mts`) for
// processes that run lib/ code outside Next, such as the worker processes of tests/reliability.
// lib modules start with `import "server-only"`, a marker Next resolves itself (it is no package of
// ours); here it resolves to Next's own empty implementation, as vitest.config.mts aliases it.
const Module = require("node:module");

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === "server-only" ? "next/dist/compiled/server-only/empty.js" : request, ...rest);
};
