// The MCP client side of tests/integration/mcp_test.py: the official SDK's Client over
// StdioClientTransport, spawning `notme mcp ROUTE` (argv: notme, route, upstream port).
// It gets NOTME_SOCKET (an agent socket) and HOME/XDG dirs, nothing else. Prints one JSON
// object with everything it received (the driver checks the secret is nowhere in it).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

const [notme, route, upstreamPort] = process.argv.slice(2);
const env = {};
for (const k of ['PATH', 'HOME', 'XDG_RUNTIME_DIR', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'NOTME_SOCKET']) {
  if (process.env[k] !== undefined) env[k] = process.env[k];
}
const received = [];
let stderr = '';
const transport = new StdioClientTransport({ command: notme, args: ['mcp', route], env, stderr: 'pipe' });
transport.stderr.on('data', d => { stderr += d.toString(); });
const client = new Client({ name: 'notme-test-client', version: '1.0.0' });
const out = { env };

async function upstreamStatus() {
  const r = await fetch(`http://127.0.0.1:${upstreamPort}/_test/status`);
  return r.json();
}

const started = Date.now();
out.timings_ms = {};
async function step(name, fn) {
  try {
    out[name] = await fn();
  } catch (e) {
    out[name] = { thrown: String(e?.message ?? e), code: e?.code };
  }
  received.push(out[name]);
  out.timings_ms[name] = Date.now() - started;
}

const listChanged = new Promise(resolve =>
  client.setNotificationHandler(ToolListChangedNotificationSchema, n => { received.push(n); resolve(true); }));

await client.connect(transport);
out.server_version = client.getServerVersion();
out.capabilities = client.getServerCapabilities();
received.push(out.server_version, out.capabilities);
await step('tools', () => client.listTools());
await step('echo', () => client.callTool({ name: 'echo', arguments: { text: 'hello through notme' } }));
await step('fail', () => client.callTool({ name: 'fail', arguments: {} }));
await step('unknown', () => client.callTool({ name: 'no_such_tool', arguments: {} }));
// Streaming: the first call finishes only after its progress notification reached us and
// we answered it with a second, concurrent call.
await step('streaming', async () => {
  const progress = [];
  let releaseCall;
  const waiting = client.callTool({ name: 'wait_for_release', arguments: {} }, undefined, {
    onprogress: p => {
      progress.push(p);
      releaseCall = client.callTool({ name: 'release', arguments: {} });
    },
    timeout: 30000,
  });
  const result = await waiting;
  return { result, progress, release: await releaseCall };
});
// The standalone GET stream: wait until notme mcp opened it, then make the server speak.
await step('list_changed', async () => {
  for (let i = 0; i < 200 && (await upstreamStatus()).get_streams < 1; i++) {
    await new Promise(r => setTimeout(r, 50));
  }
  await client.callTool({ name: 'add_tool', arguments: {} });
  const got = await Promise.race([listChanged, new Promise(r => setTimeout(() => r(false), 15000).unref())]);
  return { notified: got, tools: (await client.listTools()).tools.map(t => t.name) };
});
await step('ping', () => client.ping());
await client.close();
out.timings_ms.close = Date.now() - started;
await new Promise(r => setTimeout(r, 200));
out.upstream = await upstreamStatus();
out.received = received;
out.stderr = stderr;
process.stdout.write(JSON.stringify(out) + '\n');
