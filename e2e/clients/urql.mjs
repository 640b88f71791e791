#!/usr/bin/env node
// urql.mjs: urql's core client (fetchExchange for queries and mutations,
// subscriptionExchange over graphql-ws for subscriptions) against
// Convene; see common.mjs.
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { operations, run, wsClient } from './common.mjs';

await run('urql', {
  setup(a) {
    const ws = wsClient(a);
    const urql = new Client({
      url: a.http,
      preferGetMethod: false,
      // urql's default Accept header (which also lists text/event-stream)
      // is left as it is: Convene answers JSON unless the client prefers
      // an event stream. Queries and mutations over HTTP, subscriptions over WS.
      fetchOptions: { headers: { Authorization: `Bearer ${a.token}` } },
      exchanges: [
        cacheExchange,
        fetchExchange,
        subscriptionExchange({
          forwardSubscription(request) {
            const input = { ...request, query: request.query || '' };
            return {
              subscribe(sink) {
                const unsubscribe = ws.client.subscribe(input, sink);
                return { unsubscribe };
              },
            };
          },
        }),
      ],
    });
    return { urql, ws: ws.client, connected: ws.connected };
  },
  async query(c, variables) {
    const r = await c.urql.query(operations.CommitmentByReference, variables).toPromise();
    if (r.error) throw r.error;
    return r.data;
  },
  subscribe(c, variables, next, error) {
    c.sub = c.urql.subscription(operations.OutcomesOfMeeting, variables).subscribe((r) => (r.error ? error(r.error) : next(r.data)));
  },
  async mutate(c, variables) {
    const r = await c.urql.mutation(operations.RecordOutcome, variables).toPromise();
    if (r.error) throw r.error;
    return r.data;
  },
  async close(c) {
    c.sub?.unsubscribe();
    await c.ws.dispose();
  },
});
