// Runs the GraphQL-over-HTTP audit of the npm graphql-http package
// (serverAudits, the GraphQL over HTTP working group's conformance suite)
// against a running server, and prints one JSON line per audit:
//   {"id":"…","name":"MUST …","level":"MUST","status":"ok"|"warn"|"error"|"notice","reason":"…"}
// then a summary line {"summary":{"MUST":{"passed":n,"total":n},…}}.
// Driven by gateway_audit_test.go; by hand:
//   node audit.mjs --url http://localhost:8080/graphql [--preflight-header]
// --preflight-header sends Apollo-Require-Preflight: true on every request,
// as a browser client configured for the server's CSRF prevention would.
import { serverAudits } from 'graphql-http';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const url = opt('--url');
if (!url) {
  console.error('usage: node audit.mjs --url http://host:port/graphql [--preflight-header]');
  process.exit(2);
}
const preflight = args.includes('--preflight-header');

const fetchFn = (input, init = {}) => {
  if (!preflight) return fetch(input, init);
  const headers = new Headers(init.headers || {});
  headers.set('apollo-require-preflight', 'true');
  return fetch(input, { ...init, headers });
};

const summary = {};
for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  const level = audit.name.split(' ')[0];
  summary[level] ??= { passed: 0, total: 0 };
  summary[level].total++;
  if (result.status === 'ok') summary[level].passed++;
  const line = { id: result.id, name: result.name, level, status: result.status };
  if (result.status !== 'ok') line.reason = result.reason;
  console.log(JSON.stringify(line));
}
console.log(JSON.stringify({ summary }));
