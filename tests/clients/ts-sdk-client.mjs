#!/usr/bin/env node
// A real 2025-06-18 MCP client: the official TypeScript SDK's v1 `Client` over stdio, started
// on `latchkey proxy <url>` (what Claude Desktop, Cursor and most clients in use are built
// on). It answers elicitation with {name: "Ada"} and sampling with "hi there", runs the calls
// given as JSON on argv, and prints one JSON line: {serverInfo, tools, asked: {elicitation,
// sampling}, results: [{name, text, isError} | {name, error}]} (plus `error` if it failed).
// A call {"post": "<url>"} is not a tool call: the client POSTs to that URL (a peer's admin
// endpoint) between two calls. Arguments after the calls go to `latchkey proxy`.
//
//   node tests/clients/ts-sdk-client.mjs <latchkey> <server-url> '[{"name": "echo", "arguments": {"text": "x"}}]' [proxy args...]
//
// The SDK's client asks for its newest revision (2025-11-25); this one speaks 2025-06-18, as
// most clients in use still do: its initialize says so (the SDK accepts that answer).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const [latchkey, url, callsJson = '[]', ...proxyArgs] = process.argv.slice(2);
const calls = JSON.parse(callsJson);
const VERSION = '2025-06-18';

const transport = new StdioClientTransport({
  command: latchkey,
  args: ['proxy', url, ...proxyArgs],
  env: { ...process.env },
  stderr: 'inherit',
});
const send = transport.send.bind(transport);
transport.send = (message, options) => {
  if (message.method === 'initialize') message.params.protocolVersion = VERSION;
  return send(message, options);
};

const client = new Client(
  { name: 'latchkey-ts-sdk-client', version: '1.0.0' },
  { capabilities: { elicitation: {}, sampling: {} } },
);
const asked = { elicitation: 0, sampling: 0 };
client.setRequestHandler(ElicitRequestSchema, async () => {
  asked.elicitation += 1;
  return { action: 'accept', content: { name: 'Ada' } };
});
client.setRequestHandler(CreateMessageRequestSchema, async () => {
  asked.sampling += 1;
  return { role: 'assistant', content: { type: 'text', text: 'hi there' }, model: 'latchkey-test', stopReason: 'endTurn' };
});

const out = { serverInfo: null, tools: [], results: [], asked };
try {
  await client.connect(transport);
  out.serverInfo = client.getServerVersion();
  const { tools } = await client.listTools();
  out.tools = tools.map((t) => t.name);
  for (const call of calls) {
    if (call.post) {
      await fetch(call.post, { method: 'POST' });
      continue;
    }
    try {
      const r = await client.callTool(call);
      out.results.push({ name: call.name, text: r.content?.map((c) => c.text).join(''), isError: Boolean(r.isError) });
    } catch (e) {
      out.results.push({ name: call.name, error: e.message });
    }
  }
} catch (e) {
  out.error = e.message;
} finally {
  process.stdout.write(`${JSON.stringify(out)}\n`);
  await client.close();
}
