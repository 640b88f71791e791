#!/usr/bin/env node
// playground.mjs: drives Convene's playground (GraphiQL at /) in Debian's
// headless chromium with playwright-core, as an analyst would use it.
// playground_browser_test.go runs it against a test server.
//
//   cd e2e/browser && npm ci
//   node e2e/browser/playground.mjs --url http://127.0.0.1:8080 --token ADMIN_TOKEN \
//     --meeting MEETING_GLOBAL_ID [--artifacts DIR] [--docs-screenshot FILE] [--chromium /usr/bin/chromium]
//
// Steps, each failing the run (exit 1, the reason on stderr) when it does
// not hold:
//   1. open / in a fresh profile: GraphiQL renders with one tab per guided
//      example, and the header hint shows how to send a bearer token;
//   2. run the first example: the result panel shows demo data;
//   3. the documentation explorer shows the schema's root types;
//   4. open the subscription example, put the token in its Headers editor
//      and run it: a WebSocket opens (graphql-transport-ws), sends the
//      token in connection_init, and subscribes;
//   5. record an outcome over HTTP (POST /graphql with the token): it
//      appears in the result panel;
//   6. in a new tab, { viewer { role } } with the token in the Headers
//      editor answers ADMIN: the headers go with HTTP requests too;
//   7. throughout: every request the page made went to 127.0.0.1, no
//      Content-Security-Policy violation, no page error.
// Screenshots go to --artifacts (and, after step 2, to --docs-screenshot
// when given). The last line on stdout is a JSON report.

import { mkdtempSync, rmSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

function parseArgs(argv) {
  const opts = { chromium: '/usr/bin/chromium', artifacts: tmpdir() };
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) usage(`bad argument ${argv[i]}`);
    opts[argv[i].slice(2)] = argv[i + 1];
  }
  for (const required of ['url', 'token', 'meeting']) if (!opts[required]) usage(`--${required} is required`);
  return opts;
}

function usage(msg) {
  console.error(`playground.mjs: ${msg}`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const base = new URL(opts.url);
const timeout = 20000;
const problems = []; // CSP violations, page errors, requests that left the machine
const requests = [];
const sockets = [];

function step(name) {
  console.error(`[playground.mjs] ${name}`);
}

function checkURL(url, what) {
  let u;
  try {
    u = new URL(url);
  } catch {
    problems.push(`${what} to an unparsable URL ${url}`);
    return;
  }
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return;
  if (u.hostname !== '127.0.0.1') problems.push(`${what} left 127.0.0.1: ${url}`);
}

// resultText is the whole text of GraphiQL's result panel (a CodeMirror 5
// editor, which renders only the visible lines into the DOM).
async function resultText(page) {
  return page.evaluate(() => {
    const cm = document.querySelector('.result-window .CodeMirror');
    return cm && cm.CodeMirror ? cm.CodeMirror.getValue() : '';
  });
}

// setEditor replaces the text of the CodeMirror editor under selector.
async function setEditor(page, selector, text) {
  await page.evaluate(([sel, value]) => {
    const cm = document.querySelector(sel);
    if (!cm || !cm.CodeMirror) throw new Error(`no editor at ${sel}`);
    cm.CodeMirror.setValue(value);
  }, [selector, text]);
}

// setHeaders opens the Headers editor of the current tab and fills it.
async function setHeaders(page, json) {
  await page.getByRole('button', { name: 'Headers' }).click();
  await setEditor(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror', json);
}

async function waitForResult(page, needle, what) {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = await resultText(page);
    if (text.includes(needle)) return text;
    await page.waitForTimeout(100);
  }
  throw new Error(`${what}: the result panel never showed ${JSON.stringify(needle)}; it shows:\n${text.slice(0, 2000)}`);
}

async function main() {
  mkdirSync(opts.artifacts, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'convene-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: opts.chromium,
    headless: true,
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run',
      '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions'],
  });
  const report = { ok: false, requests, sockets, screenshots: [] };
  try {
    context.on('request', (r) => {
      requests.push(r.url());
      checkURL(r.url(), `a ${r.resourceType()} request`);
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('websocket', (ws) => {
      sockets.push(ws.url());
      checkURL(ws.url(), 'a WebSocket');
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      const text = msg.text();
      if (/Content.Security.Policy/i.test(text)) problems.push(`CSP violation: ${text}`);
      else if (msg.type() === 'error') problems.push(`console error: ${text}`);
    });

    step('open /');
    const res = await page.goto(new URL('/', base).href, { waitUntil: 'load', timeout });
    const csp = res.headers()['content-security-policy'] || '';
    if (!csp.includes("script-src 'self'")) throw new Error(`the page came without a strict Content-Security-Policy: ${csp}`);
    await page.waitForSelector('.graphiql-container', { timeout });
    const tabs = await page.locator('.graphiql-tab').allTextContents();
    if (tabs.length < 7) throw new Error(`expected a tab per guided example, found ${tabs.length}: ${tabs.join(', ')}`);
    const footer = await page.locator('.convene-hint').textContent({ timeout });
    if (!footer.includes('"Authorization": "Bearer <token>"')) throw new Error(`the header hint is missing: ${footer}`);

    step('run the first example');
    await page.locator('.graphiql-tab').first().click();
    await page.locator('button.graphiql-execute-button').click();
    await waitForResult(page, 'Belize Council of Churches', 'the first example');
    const shot1 = join(opts.artifacts, 'playground-query.png');
    await page.screenshot({ path: shot1 });
    report.screenshots.push(shot1);
    if (opts['docs-screenshot']) {
      copyFileSync(shot1, opts['docs-screenshot']);
      report.screenshots.push(opts['docs-screenshot']);
    }

    step('open the documentation explorer');
    await page.locator('button[aria-label="Show Documentation Explorer"]').click();
    await page.locator('.graphiql-doc-explorer').getByText('Subscription', { exact: true }).first().waitFor({ timeout });
    await page.locator('button[aria-label="Hide Documentation Explorer"]').click();

    step('run the subscription example');
    await page.locator('.graphiql-tab', { hasText: 'NewOutcomes' }).click();
    const bearer = `{"Authorization": "Bearer ${opts.token}"}`;
    await setHeaders(page, bearer);
    let initPayload = '';
    const subscribed = new Promise((resolve) => {
      page.on('websocket', (ws) => {
        ws.on('framesent', (f) => {
          const text = typeof f.payload === 'string' ? f.payload : f.payload.toString();
          if (text.includes('"connection_init"')) initPayload = text;
          if (text.includes('"subscribe"')) resolve(ws.url());
        });
      });
    });
    await page.locator('button.graphiql-execute-button').click();
    await Promise.race([subscribed, page.waitForTimeout(timeout).then(() => {
      throw new Error('the subscription example never sent a subscribe message over a WebSocket');
    })]);
    if (!initPayload.includes(`Bearer ${opts.token}`)) throw new Error(`connection_init did not carry the Headers editor's token: ${initPayload}`);
    await page.waitForTimeout(300); // let the server register the subscription

    step('record an outcome over HTTP');
    const summary = `Playground browser test ${Date.now()}`;
    const mutation = await fetch(new URL('/graphql', base), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${opts.token}` },
      body: JSON.stringify({
        query: 'mutation($in: RecordMeetingOutcomeInput!) { recordMeetingOutcome(input: $in) { outcome { id } userErrors { message } } }',
        variables: { in: { meetingId: opts.meeting, kind: 'DECISION', summary } },
      }),
    });
    const body = await mutation.json();
    if (!body.data?.recordMeetingOutcome?.outcome) throw new Error(`recording the outcome failed: ${JSON.stringify(body)}`);
    await waitForResult(page, summary, 'the subscription example');
    const shot2 = join(opts.artifacts, 'playground-subscription.png');
    await page.screenshot({ path: shot2 });
    report.screenshots.push(shot2);

    step('send the Headers editor\'s token over HTTP');
    await page.locator('button.graphiql-execute-button').click(); // stop the subscription
    await page.locator('.graphiql-tab-add').click();
    await setEditor(page, '.graphiql-query-editor .CodeMirror', 'query Me { viewer { role tokenLabel } }');
    await setHeaders(page, bearer);
    await page.locator('button.graphiql-execute-button').click();
    await waitForResult(page, '"ADMIN"', 'the viewer query with a token');

    if (problems.length) throw new Error(problems.join('\n'));
    report.ok = true;
  } catch (err) {
    report.error = err.message;
    const shot = join(opts.artifacts, 'playground-failure.png');
    try {
      await context.pages()[0]?.screenshot({ path: shot });
      report.screenshots.push(shot);
    } catch {}
    if (problems.length && !report.error.includes(problems[0])) report.error += '\n' + problems.join('\n');
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  console.log(JSON.stringify(report));
  if (!report.ok) {
    console.error(`[playground.mjs] FAILED: ${report.error}`);
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(`[playground.mjs] ${err.stack || err}`);
  process.exit(1);
});
