// A real MCP server built with the official TypeScript SDK (StreamableHTTPServerTransport,
// stateful sessions) on 127.0.0.1 that REQUIRES `Authorization: Bearer <secret>` (401
// otherwise). The secret arrives as the first line on stdin. Prints {"port": N} on stdout
// once listening. Unauthenticated GET /_test/status reports what it saw (never the secret)
// for tests/integration/mcp_test.py.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import readline from 'node:readline';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const stdin = readline.createInterface({ input: process.stdin });
const secret = await new Promise(resolve => stdin.once('line', resolve));
const expected = Buffer.from('Bearer ' + secret);

const status = { unauthorized: 0, requests: 0, deletes: 0, get_streams: 0, open_sessions: 0,
                 protocol_versions: [], session_ids_seen: [] };
const transports = new Map();
let release = null;

function authorized(req) {
  const got = Buffer.from(req.headers['authorization'] ?? '');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

function makeServer() {
  const server = new McpServer({ name: 'notme-test-upstream', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echoes its text', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text: 'echo: ' + text }] }));
  // Streams a progress notification on the call's SSE answer, then waits for `release`:
  // it can only finish if that notification reached the client before the answer ended.
  server.registerTool('wait_for_release', { description: 'Waits for release' },
    async (extra) => {
      const done = new Promise(resolve => { release = resolve; });
      const token = extra._meta?.progressToken;
      if (token !== undefined) {
        await extra.sendNotification({ method: 'notifications/progress',
                                       params: { progressToken: token, progress: 1, total: 2 } });
      }
      await done;
      return { content: [{ type: 'text', text: 'released' }] };
    });
  server.registerTool('release', { description: 'Releases wait_for_release' }, async () => {
    const ok = release !== null;
    if (release) release();
    release = null;
    return { content: [{ type: 'text', text: ok ? 'released one' : 'nothing waiting' }] };
  });
  // Registering a tool makes the server announce notifications/tools/list_changed on the
  // session's standalone GET stream (no related request).
  server.registerTool('add_tool', { description: 'Adds the tool "late"' }, async () => {
    server.registerTool('late', { description: 'Added later' },
      async () => ({ content: [{ type: 'text', text: 'late' }] }));
    return { content: [{ type: 'text', text: 'added' }] };
  });
  server.registerTool('fail', { description: 'Always fails' }, async () => {
    throw new Error('this tool always fails');
  });
  return server;
}

const httpServer = http.createServer(async (req, res) => {
  if (req.url === '/_test/status') {
    status.open_sessions = transports.size;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify(status));
  }
  if (!authorized(req)) {
    status.unauthorized++;
    res.writeHead(401, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify({ error: 'unauthorized' }));
  }
  status.requests++;
  const sid = req.headers['mcp-session-id'];
  const version = req.headers['mcp-protocol-version'];
  if (version && !status.protocol_versions.includes(version)) status.protocol_versions.push(version);
  if (sid && !status.session_ids_seen.includes(sid)) status.session_ids_seen.push(sid);
  if (req.method === 'DELETE') status.deletes++;
  let transport = sid ? transports.get(sid) : undefined;
  if (!transport) {
    if (req.method !== 'POST' || sid) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
    }
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: id => transports.set(id, transport),
    });
    transport.onclose = () => { if (transport.sessionId) transports.delete(transport.sessionId); };
    await makeServer().connect(transport);
  }
  if (req.method === 'GET') {
    status.get_streams++;
    res.on('close', () => { status.get_streams--; });
  }
  await transport.handleRequest(req, res);
});

httpServer.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: httpServer.address().port }) + '\n');
});
process.on('SIGTERM', () => process.exit(0));
