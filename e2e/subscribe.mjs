#!/usr/bin/env node
// subscribe.mjs: a small GraphQL-over-WebSocket client for Convene's
// end-to-end subscription tests (subscriptions_test.go drives it).
//
// Needs Node.js 20 or later and the packages pinned in package.json:
//   cd e2e && npm ci
// (`go test` runs `npm ci` itself when e2e/node_modules is missing.)
//
// Usage:
//   node e2e/subscribe.mjs --url ws://127.0.0.1:8080/graphql \
//     --query 'subscription($after: String) { events(after: $after) { cursor kind } }' \
//     [--variables '{"after":"..."}'] [--token TOKEN] [--count N] [--timeout MS]
//     [--ready-delay MS] [--report-close] [--protocol graphql-transport-ws|graphql-ws]
//
//   --url           WebSocket URL of the GraphQL endpoint (required)
//   --query         the subscription document (required)
//   --variables     variables as a JSON object (default {})
//   --token         sent as connectionParams {Authorization: "Bearer TOKEN"}
//   --count         exit 0 after this many `next` payloads; 0 = never (default 1)
//   --timeout       give up (exit 4) after this many milliseconds (default 10000)
//   --ready-delay   how long to wait after sending the subscribe message
//                   before announcing ready, so that the server has
//                   registered the subscription (default 250)
//   --report-close  when the socket closes, print {"closed":code,"reason":...}
//                   and exit 0 (no reconnection is ever attempted)
//   --protocol      graphql-transport-ws (default; the npm graphql-ws client)
//                   or graphql-ws (the legacy subscriptions-transport-ws
//                   protocol, spoken here directly over `ws`)
//
// Every flag can also be given in the environment as SUBSCRIBE_<FLAG>, with
// dashes as underscores (SUBSCRIBE_URL, SUBSCRIBE_READY_DELAY, ...); flags win.
//
// Output on stdout, one JSON value a line:
//   {"ready":true}                      once the subscription is started
//   {"data":...,"errors":...}           each `next` payload, exactly as received
//   {"error":...}                       the server's `error` message (then exit 1)
//   {"complete":true}                   the server completed early (then exit 3)
//   {"closed":code,"reason":"..."}      the socket closed (--report-close only)
// Diagnostics go to stderr. Exit codes: 0 done, 1 error or unexpected close,
// 2 usage, 3 completed before --count messages, 4 timeout.

import WebSocket from 'ws';
import { createClient } from 'graphql-ws';

const FLAGS = ['url', 'query', 'variables', 'token', 'count', 'timeout', 'ready-delay', 'report-close', 'protocol'];
const BOOLEAN = new Set(['report-close']);

function parseArgs(argv) {
  const opts = {};
  for (const flag of FLAGS) {
    const v = process.env['SUBSCRIBE_' + flag.toUpperCase().replaceAll('-', '_')];
    if (v !== undefined && v !== '') opts[flag] = BOOLEAN.has(flag) ? v !== 'false' && v !== '0' : v;
  }
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    if (!arg.startsWith('--')) usage(`unexpected argument ${arg}`);
    arg = arg.slice(2);
    let value;
    const eq = arg.indexOf('=');
    if (eq >= 0) [arg, value] = [arg.slice(0, eq), arg.slice(eq + 1)];
    if (!FLAGS.includes(arg)) usage(`unknown flag --${arg}`);
    if (BOOLEAN.has(arg)) {
      opts[arg] = value === undefined ? true : value !== 'false' && value !== '0';
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) usage(`--${arg} needs a value`);
      value = argv[++i];
    }
    opts[arg] = value;
  }
  if (!opts.url) usage('--url is required');
  if (!opts.query) usage('--query is required');
  let variables = {};
  if (opts.variables) {
    try {
      variables = JSON.parse(opts.variables);
    } catch (err) {
      usage(`--variables is not JSON: ${err.message}`);
    }
  }
  const int = (name, def) => {
    if (opts[name] === undefined) return def;
    const n = Number(opts[name]);
    if (!Number.isInteger(n) || n < 0) usage(`--${name} must be a whole number >= 0`);
    return n;
  };
  const protocol = opts.protocol ?? 'graphql-transport-ws';
  if (protocol !== 'graphql-transport-ws' && protocol !== 'graphql-ws') usage(`unknown --protocol ${protocol}`);
  return {
    url: opts.url,
    query: opts.query,
    variables,
    token: opts.token,
    count: int('count', 1),
    timeout: int('timeout', 10000),
    readyDelay: int('ready-delay', 250),
    reportClose: Boolean(opts['report-close']),
    protocol,
  };
}

function usage(msg) {
  process.stderr.write(`subscribe.mjs: ${msg}\n(see the comment at the top of e2e/subscribe.mjs)\n`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const connectionParams = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};

let finished = false;
let received = 0;
let cleanup = () => {};

function print(value) {
  process.stdout.write(JSON.stringify(value) + '\n');
}

// finish prints a last line (if any) and a diagnostic, then exits once
// stdout has been flushed.
function finish(code, line, diagnostic) {
  if (finished) return;
  finished = true;
  clearTimeout(timer);
  if (diagnostic) process.stderr.write(`subscribe.mjs: ${diagnostic}\n`);
  try {
    cleanup();
  } catch {
    // exiting anyway
  }
  const exit = () => process.exit(code);
  if (line !== undefined) process.stdout.write(JSON.stringify(line) + '\n', exit);
  else process.stdout.write('', exit);
}

const timer = setTimeout(() => {
  finish(4, undefined, `timeout after ${opts.timeout} ms: received ${received} of ${opts.count || 'unlimited'} messages`);
}, opts.timeout);

// Ready is announced readyDelay ms after the subscribe message went out, or
// before the first message if that comes sooner (a replay can).
let subscribeSeen = false;
let readyPrinted = false;
function announceReady() {
  if (readyPrinted || finished) return;
  readyPrinted = true;
  print({ ready: true });
}
function subscribeSent() {
  if (subscribeSeen) return;
  subscribeSeen = true;
  setTimeout(announceReady, opts.readyDelay);
}

function onNext(payload) {
  if (finished) return;
  announceReady();
  received++;
  print(payload);
  if (opts.count > 0 && received >= opts.count) finish(0);
}

function onClosed(code, reason) {
  if (finished) return;
  if (opts.reportClose) finish(0, { closed: code, reason: String(reason ?? '') });
  else finish(1, undefined, `socket closed (code ${code}, reason ${JSON.stringify(String(reason ?? ''))}) after ${received} messages`);
}

function describe(err) {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && typeof err.message === 'string' && err.message) return err.message;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}

if (opts.protocol === 'graphql-transport-ws') {
  // A WebSocket that notices when the client sends its subscribe message.
  class TracingWebSocket extends WebSocket {
    send(data, ...rest) {
      super.send(data, ...rest);
      try {
        if (JSON.parse(String(data)).type === 'subscribe') subscribeSent();
      } catch {
        // not JSON: not ours to trace
      }
    }
  }
  const client = createClient({
    url: opts.url,
    webSocketImpl: TracingWebSocket,
    connectionParams,
    lazy: true,
    retryAttempts: 0,
    shouldRetry: () => false,
    on: {
      closed: (event) => onClosed(event?.code, event?.reason),
      error: (err) => {
        if (!finished && !opts.reportClose) finish(1, undefined, `connection error: ${describe(err)}`);
      },
    },
  });
  const unsubscribe = client.subscribe(
    { query: opts.query, variables: opts.variables },
    {
      next: onNext,
      error: (err) => {
        if (finished) return;
        // A close event also arrives here (retryAttempts 0); the closed
        // listener has reported it already, or will.
        if (err && typeof err === 'object' && 'code' in err && 'reason' in err && !Array.isArray(err)) {
          onClosed(err.code, err.reason);
          return;
        }
        finish(1, { error: Array.isArray(err) ? err : describe(err) }, `subscription error: ${describe(err)}`);
      },
      complete: () => {
        if (finished) return;
        if (opts.count > 0 && received < opts.count) {
          finish(3, { complete: true }, `the server completed the subscription after ${received} of ${opts.count} messages`);
        } else {
          finish(0, { complete: true });
        }
      },
    },
  );
  cleanup = () => {
    unsubscribe();
    client.dispose();
  };
} else {
  // The legacy protocol (subscriptions-transport-ws), message by message.
  const socket = new WebSocket(opts.url, 'graphql-ws');
  const id = '1';
  socket.on('open', () => {
    if (socket.protocol !== 'graphql-ws') {
      finish(1, undefined, `the server chose subprotocol ${JSON.stringify(socket.protocol)}, want graphql-ws`);
      return;
    }
    socket.send(JSON.stringify({ type: 'connection_init', payload: connectionParams }));
  });
  socket.on('message', (data) => {
    let msg;
    try {
      msg = JSON.parse(String(data));
    } catch {
      finish(1, undefined, `not JSON from the server: ${String(data)}`);
      return;
    }
    switch (msg.type) {
      case 'connection_ack':
        socket.send(JSON.stringify({ id, type: 'start', payload: { query: opts.query, variables: opts.variables } }));
        subscribeSent();
        return;
      case 'ka':
        return;
      case 'connection_error':
        finish(1, { error: msg.payload ?? null }, `connection_error: ${describe(msg.payload)}`);
        return;
      case 'data':
        if (msg.id === id) onNext(msg.payload);
        return;
      case 'error':
        finish(1, { error: msg.payload ?? null }, `subscription error: ${describe(msg.payload)}`);
        return;
      case 'complete':
        if (opts.count > 0 && received < opts.count) {
          finish(3, { complete: true }, `the server completed the subscription after ${received} of ${opts.count} messages`);
        } else {
          finish(0, { complete: true });
        }
        return;
      default:
        process.stderr.write(`subscribe.mjs: ignoring message ${String(data)}\n`);
    }
  });
  socket.on('close', (code, reason) => onClosed(code, reason?.toString()));
  socket.on('error', (err) => {
    if (!finished && !opts.reportClose) finish(1, undefined, `connection error: ${describe(err)}`);
  });
  cleanup = () => {
    if (socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ id, type: 'stop' }));
      socket.close(1000);
    } else {
      socket.terminate();
    }
  };
}
