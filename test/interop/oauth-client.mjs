// Usage: MCPGATE_URL=... node oauth-client.mjs
// Connects to an mcpgate whose authorization server is on, with the
// official TypeScript SDK's client OAuth (discovery, dynamic registration,
// PKCE, resource, refresh). It plays the person's browser itself: it
// prints "APPROVE <code>" on stderr, waits for the code to be approved on
// the server, consents, and hands the authorization code to the SDK. It
// prints one JSON line describing what it saw; no token is printed.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError, auth } from "@modelcontextprotocol/sdk/client/auth.js";

const url = process.env.MCPGATE_URL;
if (!url) {
  console.error("set MCPGATE_URL");
  process.exit(2);
}
const redirectUrl = "http://127.0.0.1:9/callback";

let clientInfo, tokens, verifier, authCode;
const seen = { registered: false, authorizeParams: {}, refreshed: false };

// The person's browser: follows mcpgate's pages and returns the code the
// redirect to the client carries.
async function browse(authorizationUrl) {
  let cookie = "";
  const go = async (u, init = {}) => {
    const res = await fetch(u, { ...init, redirect: "manual", headers: { ...(init.headers ?? {}), cookie } });
    for (const c of res.headers.getSetCookie()) cookie = c.split(";")[0];
    return res;
  };
  let res = await go(authorizationUrl);
  if (res.status !== 303) throw new Error(`authorize: ${res.status} ${await res.text()}`);
  const cont = new URL(res.headers.get("location"), authorizationUrl);
  let page = await (await go(cont)).text();
  const m = page.match(/class="approve">([A-Z0-9]{5}-[A-Z0-9]{5})</);
  if (!m) throw new Error("no approval code on the page");
  console.error(`APPROVE ${m[1]}`);
  const deadline = Date.now() + 30000;
  let csrf;
  while (Date.now() < deadline) {
    page = await (await go(cont)).text();
    csrf = page.match(/name="csrf" value="([0-9a-f]{64})"/);
    if (csrf) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!csrf) throw new Error("the sign-in was not approved in time");
  res = await go(new URL("consent", cont), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrf: csrf[1], decision: "allow", connections: "all" }),
  });
  const back = new URL(res.headers.get("location"));
  seen.iss = back.searchParams.get("iss");
  return back.searchParams.get("code");
}

const provider = {
  get redirectUrl() { return redirectUrl; },
  get clientMetadata() {
    return { client_name: "TypeScript SDK interop", redirect_uris: [redirectUrl], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" };
  },
  clientInformation() { return clientInfo; },
  saveClientInformation(info) { clientInfo = info; seen.registered = true; },
  tokens() { return tokens; },
  saveTokens(t) { tokens = t; },
  async redirectToAuthorization(u) {
    for (const k of ["resource", "code_challenge_method", "client_id"]) seen.authorizeParams[k] = u.searchParams.get(k);
    authCode = await browse(u);
  },
  saveCodeVerifier(v) { verifier = v; },
  codeVerifier() { return verifier; },
};

async function session() {
  const client = new Client({ name: "mcpgate-oauth-interop", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }));
  return client;
}

async function listIssues(client) {
  const r = await client.callTool({ name: "github_list_issues", arguments: { owner: "octocat", repo: "hello-world" } });
  return { isError: !!r.isError, text: r.content.map((c) => c.text).join("") };
}

const out = {};
try {
  const first = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  try {
    await new Client({ name: "mcpgate-oauth-interop", version: "1.0.0" }).connect(first);
    throw new Error("connected without authorization");
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
  }
  await first.finishAuth(authCode);
  out.authorizeParams = seen.authorizeParams;
  out.iss = seen.iss;
  out.registered = seen.registered;
  let client = await session();
  out.listIssues = await listIssues(client);
  await client.close();

  // Refresh: the SDK trades the refresh token for new tokens.
  const before = tokens.access_token;
  const oldRefresh = tokens.refresh_token;
  tokens = { ...tokens, access_token: "expired" };
  out.refresh = await auth(provider, { serverUrl: new URL(url) });
  out.rotated = tokens.access_token !== before && tokens.refresh_token !== oldRefresh;
  client = await session();
  out.afterRefresh = await listIssues(client);
  await client.close();
} catch (err) {
  out.error = String(err?.message ?? err);
}
console.log(JSON.stringify(out));
