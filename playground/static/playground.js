// playground.js: starts GraphiQL on Convene's playground page. Everything
// it needs is served by the convene binary itself (playground/dist), so the
// page works offline and under a strict Content-Security-Policy; this file
// is the page's only script of our own (no inline script).
//
// Queries and mutations go over HTTP (POST /graphql); subscriptions over a
// WebSocket with the graphql-transport-ws protocol (the graphql-ws client).
// The JSON in the Headers editor goes with both: as HTTP headers, and as
// the WebSocket's connection_init payload, where Convene reads
// {"Authorization": "Bearer <token>"} too.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('convene-playground').textContent);
  var wsURL = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + config.endpoint;

  // One fetcher (and one lazy graphql-ws client: its socket opens with the
  // first subscription and closes with the last) per distinct set of headers.
  var fetchers = new Map();
  function fetcherFor(headers) {
    headers = headers || {};
    var key = JSON.stringify(headers);
    var f = fetchers.get(key);
    if (!f) {
      var wsClient = graphqlWs.createClient({
        url: wsURL,
        connectionParams: headers,
        lazy: true,
        retryAttempts: 3,
      });
      f = GraphiQL.createFetcher({ url: config.endpoint, wsClient: wsClient });
      fetchers.set(key, f);
    }
    return f;
  }
  // GraphiQL parses the editor's text a moment after it changes, so a run
  // right after switching tabs can come with the previous tab's operation
  // name and parsed document. Parse the text that is sent instead: it
  // decides whether the operation is a subscription (WebSocket) or not.
  function fetcher(params, opts) {
    opts = Object.assign({}, opts);
    try {
      opts.documentAST = GraphiQL.GraphQL.parse(params.query);
    } catch (e) {
      // Invalid text: let the server say what is wrong with it.
    }
    var names = ((opts.documentAST && opts.documentAST.definitions) || [])
      .filter(function (d) { return d.kind === 'OperationDefinition'; })
      .map(function (d) { return d.name ? d.name.value : null; });
    if (names.length && names.indexOf(params.operationName || null) < 0) {
      params = Object.assign({}, params, { operationName: names.length === 1 ? names[0] : params.operationName });
    }
    return fetcherFor(opts.headers)(params, opts);
  }

  var h = React.createElement;
  var code = function (text) { return h('code', null, text); };
  var hint = h('div', { className: 'convene-hint' },
    h('strong', null, 'Mutations need a token. '),
    'Open ', h('em', null, 'Headers'), ' under the query and enter ',
    code('{"Authorization": "Bearer <token>"}'),
    ' (with ', code('go run .'), ', the admin token is in ', code('data/admin-token'), '). ',
    'Subscriptions send the same headers when they connect. ',
    'Exports: ', h('a', { href: '/export/commitments.csv' }, '/export/commitments.csv'), ' (see the README).');

  var tabs = config.examples.map(function (e) {
    return { query: e.query, variables: e.variables || undefined, headers: '' };
  });

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(h(GraphiQL, {
    fetcher: fetcher,
    defaultTabs: tabs,
    defaultQuery: tabs.length ? tabs[0].query : undefined,
    defaultHeaders: '',
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: 'variables',
  },
  h(GraphiQL.Logo, null, config.title),
  h(GraphiQL.Footer, null, hint)));
})();
