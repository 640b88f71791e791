#!/usr/bin/env node
// apollo.mjs: Apollo Client (HttpLink for queries and mutations,
// GraphQLWsLink for subscriptions) against Convene; see common.mjs.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { operations, run, wsClient } from './common.mjs';

await run('apollo', {
  setup(a) {
    const ws = wsClient(a);
    const http = new HttpLink({ uri: a.http, headers: { Authorization: `Bearer ${a.token}` } });
    const link = ApolloLink.split(
      ({ query }) => {
        const d = getMainDefinition(query);
        return d.kind === 'OperationDefinition' && d.operation === 'subscription';
      },
      new GraphQLWsLink(ws.client),
      http,
    );
    return { apollo: new ApolloClient({ link, cache: new InMemoryCache() }), ws: ws.client, connected: ws.connected };
  },
  async query(c, variables) {
    const r = await c.apollo.query({ query: operations.CommitmentByReference, variables });
    if (r.error) throw r.error;
    return r.data;
  },
  subscribe(c, variables, next, error) {
    c.apollo.subscribe({ query: operations.OutcomesOfMeeting, variables }).subscribe({
      next: (r) => (r.error ? error(r.error) : next(r.data)),
      error,
    });
  },
  async mutate(c, variables) {
    const r = await c.apollo.mutate({ mutation: operations.RecordOutcome, variables });
    if (r.error) throw r.error;
    return r.data;
  },
  async close(c) {
    c.apollo.stop();
    await c.ws.dispose();
  },
});
