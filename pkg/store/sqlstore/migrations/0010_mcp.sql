-- Version 10: a connection to an MCP server keeps what is not secret about
-- it (the URL or command, its arguments, the names of the header and the
-- environment variables whose values are sealed in credential, and the
-- approved tool definitions) as JSON text; '' for every other provider.
ALTER TABLE connections ADD COLUMN mcp TEXT NOT NULL DEFAULT '';
