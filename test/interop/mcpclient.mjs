// Usage: MCPGATE_URL=... MCPGATE_KEY=... MCPGATE_TOOL=... node mcpclient.mjs
// Connects to an MCP connection's endpoint (/mcp or /mcp/<connection>) with
// the official TypeScript SDK, lists tools, calls MCPGATE_TOOL and the image
// tool beside it, lists prompts and resources where the server offers them,
// and prints one JSON line describing what it saw.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = process.env.MCPGATE_URL;
const key = process.env.MCPGATE_KEY;
const tool = process.env.MCPGATE_TOOL;
if (!url || !key || !tool) {
  console.error("set MCPGATE_URL, MCPGATE_KEY and MCPGATE_TOOL");
  process.exit(2);
}

const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${key}` } },
});
const client = new Client({ name: "mcpgate-interop", version: "1.0.0" });

const out = {};
try {
  await client.connect(transport);
  const { tools } = await client.listTools();
  out.tools = tools.map((t) => t.name).sort();
  const res = await client.callTool({ name: tool, arguments: {} });
  out.call = { isError: !!res.isError, text: res.content.map((c) => c.text ?? "").join("") };
  const img = await client.callTool({ name: tool.replace("test_simple_text", "test_image_content"), arguments: {} });
  out.image = { type: img.content[0]?.type, mimeType: img.content[0]?.mimeType };
  if (client.getServerCapabilities()?.prompts) {
    out.prompts = (await client.listPrompts()).prompts.map((p) => p.name).sort();
    out.resources = (await client.listResources()).resources.map((r) => r.uri).sort();
  }
  await client.close();
} catch (err) {
  out.error = String(err?.message ?? err);
}
console.log(JSON.stringify(out));
