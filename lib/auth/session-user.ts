// Who is signed in, as the app passes it around. Apart from lib/auth/session.ts (which reads it from
// the cookie through Auth.js) so that modules needing only the type (the audit log, accounts) do not
// import the session machinery and close an import circle through it.
export type SessionUser = { id: string; email: string; name: string | null };
