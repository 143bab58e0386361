// Usage: MCPGATE_URL=... MCPGATE_KEY=... node client.mjs
// Connects with the official TypeScript SDK, lists tools, calls two of them,
// and prints one JSON line describing what it saw. The key is read from the
// environment, never from argv.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = process.env.MCPGATE_URL;
const key = process.env.MCPGATE_KEY;
if (!url || !key) {
  console.error("set MCPGATE_URL and MCPGATE_KEY");
  process.exit(2);
}

const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${key}` } },
});
const client = new Client({ name: "mcpgate-interop", version: "1.0.0" });

const out = {};
try {
  await client.connect(transport);
  out.server = client.getServerVersion();
  const { tools } = await client.listTools();
  out.tools = tools.map((t) => t.name).sort();
  out.readOnly = tools.filter((t) => t.annotations?.readOnlyHint).map((t) => t.name).sort();
  const issues = await client.callTool({
    name: "github_list_issues",
    arguments: { owner: "octocat", repo: "hello-world" },
  });
  out.listIssues = { isError: !!issues.isError, text: issues.content.map((c) => c.text).join("") };
  const missing = await client.callTool({ name: "github_get_issue", arguments: { owner: "octocat" } });
  out.missingArg = { isError: !!missing.isError, text: missing.content.map((c) => c.text).join("") };
  await client.close();
} catch (err) {
  out.error = String(err?.message ?? err);
}
console.log(JSON.stringify(out));
