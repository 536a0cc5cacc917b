// Auth.js's own endpoints (sign-in, OAuth callbacks, session, CSRF, sign-out). Not defineRoute
// routes: Auth.js authenticates these requests itself (CSRF token, OAuth state, signed cookies).
import { handlers } from "@/lib/auth/config";

export const { GET, POST } = handlers;
