// Next 16 proxy (formerly middleware): signed-out visitors of the app (/w/…) go to the sign-in page,
// with callbackUrl set to where they were going. It only reads the session JWT, so it is built from
// the database-free part of the Auth.js configuration. Pages and routes still authorize every
// request themselves (requireWorkspace / defineRoute); this is the friendly redirect, not the guard.
import NextAuth from "next-auth";
import { baseAuthConfig } from "@/lib/auth/base-config";

// A plain named export: Next's build finds the proxy function statically and does not see
// through a destructuring export.
const { auth } = NextAuth(baseAuthConfig);
export { auth as proxy };

export const config = { matcher: ["/w/:path*"] };
