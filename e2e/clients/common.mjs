// common.mjs: what apollo.mjs and urql.mjs share: arguments, the
// operations of operations.graphql, a graphql-ws client, and the check.
//
//   node apollo.mjs --url http://127.0.0.1:8080 --token ADMIN_TOKEN --meeting MEETING_GLOBAL_ID
//
// Each script runs, against a live Convene server, the query
// CommitmentByReference, then subscribes to OutcomesOfMeeting over
// WebSocket (graphql-transport-ws), runs the mutation RecordOutcome (as
// the admin) and waits for the subscription to deliver that outcome. It
// prints one JSON line with what it saw and exits 0, or exits 1 with the
// reason on stderr.
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const k of ['url', 'token', 'meeting']) {
    if (!out[k]) {
      console.error(`usage: node ${process.argv[1]} --url http://HOST:PORT --token ADMIN_TOKEN --meeting MEETING_ID (missing --${k})`);
      process.exit(2);
    }
  }
  out.http = new URL('/graphql', out.url).href;
  out.ws = out.http.replace(/^http/, 'ws');
  return out;
}

// operations maps each operation of operations.graphql to a document of its own.
export const operations = Object.fromEntries(
  parse(readFileSync(new URL('./operations.graphql', import.meta.url), 'utf8')).definitions.map((d) => [
    d.name.value,
    { kind: 'Document', definitions: [d] },
  ]),
);

// wsClient is a graphql-ws client that resolves `connected` once acknowledged.
export function wsClient(a) {
  let resolve;
  const connected = new Promise((r) => (resolve = r));
  const client = createClient({
    url: a.ws,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${a.token}` },
    lazy: false,
    retryAttempts: 0,
    on: { connected: () => resolve() },
  });
  return { client, connected };
}

// run performs the check with the client-specific steps.
export async function run(name, steps) {
  const a = args();
  const timer = setTimeout(() => fail(new Error('timed out after 20 s')), 20000);
  const fail = (err) => {
    console.error(`${name}: ${err.stack || err.message || JSON.stringify(err)}`);
    process.exit(1);
  };
  try {
    const report = { client: name };
    const c = await steps.setup(a);

    const q = await steps.query(c, { reference: 'C-2.1-002' });
    if (q?.commitmentByReference?.title !== 'Adapting the Youth-Police Initiative to Belize') {
      throw new Error(`query: unexpected data ${JSON.stringify(q)}`);
    }
    report.query = q.commitmentByReference.title;

    const summary = `${name} client check ${Date.now()}`;
    const delivered = new Promise((resolve, reject) => {
      steps.subscribe(c, { meetingIds: [a.meeting] }, (data) => {
        if (data?.meetingOutcomeRecorded?.outcome?.summary === summary) resolve(data.meetingOutcomeRecorded);
      }, reject);
    });
    await c.connected;
    await new Promise((r) => setTimeout(r, 300)); // let the server register the subscription

    const m = await steps.mutate(c, { in: { meetingId: a.meeting, kind: 'DECISION', summary } });
    const payload = m?.recordMeetingOutcome;
    if (!payload?.outcome?.id || payload.userErrors.length) throw new Error(`mutation: unexpected data ${JSON.stringify(m)}`);
    report.mutation = payload.outcome.id;

    const event = await delivered;
    if (event.outcome.id !== payload.outcome.id) throw new Error(`subscription: delivered ${JSON.stringify(event)}`);
    report.subscription = event.cursor;

    await steps.close(c);
    clearTimeout(timer);
    console.log(JSON.stringify({ ok: true, ...report }));
    process.exit(0);
  } catch (err) {
    fail(err);
  }
}
