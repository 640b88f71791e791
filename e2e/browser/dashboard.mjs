#!/usr/bin/env node
// dashboard.mjs: drives Convene's live dashboard (/dashboard) in Debian's
// headless chromium with playwright-core; dashboard_browser_test.go runs it
// against a test server.
//
//   node dashboard.mjs --url http://127.0.0.1:8080 --token ADMIN_TOKEN --commitment GLOBAL_ID
//     [--chromium /usr/bin/chromium] [--artifacts DIR] [--docs-screenshot FILE]
//
// Each step fails the run (exit 1, the reason on stderr) when it does not hold:
//   1. /dashboard renders the demo data (pillars, sectors, overdue
//      commitments, outcomes, action items), all of it in under 250 KB
//      compressed;
//   2. an outcome recorded over HTTP appears on the open page, which is
//      not reloaded;
//   3. links lead to a commitment's page (its own URL, which opens directly
//      too) with a progress chart; a progress report made over HTTP shows
//      in its table and chart without reload; links lead on to a
//      stakeholder's page and a meeting's page;
//   4. at 360 px wide no page scrolls sideways; printed, the live status
//      and footer are hidden;
//   5. axe-core finds no serious or critical violation on any page;
//   6. throughout: no request leaves 127.0.0.1, no CSP violation, no page
//      or console error.
// The last line on stdout is a JSON report.

import { mkdtempSync, rmSync, mkdirSync, readFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const opts = { chromium: '/usr/bin/chromium', artifacts: tmpdir() };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) opts[argv[i].replace(/^--/, '')] = argv[i + 1];
for (const r of ['url', 'token', 'commitment']) if (!opts[r]) { console.error(`dashboard.mjs: --${r} is required`); process.exit(2); }

const base = new URL(opts.url);
const timeout = 20000;
const problems = [];
const requests = [];
const sockets = [];
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const step = (s) => console.error(`[dashboard.mjs] ${s}`);

function checkURL(url, what) {
  const u = new URL(url);
  if (['data:', 'about:', 'blob:'].includes(u.protocol)) return;
  if (u.hostname !== '127.0.0.1' || u.port !== base.port) problems.push(`${what} left the server: ${url}`);
}

async function gql(query, variables) {
  const res = await fetch(new URL('/graphql', base), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${opts.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors?.length || !res.ok) throw new Error(`${query}: ${JSON.stringify(body)}`);
  return body.data;
}

async function axe(page, where) {
  await page.evaluate(axeSource); // evaluated by the driver, not injected as an inline script the CSP would refuse
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of bad) problems.push(`axe on ${where}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  return result.violations.length;
}

async function noSideScroll(page, where) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  if (w > 360) problems.push(`${where} is ${w} px wide at a 360 px viewport`);
}

async function main() {
  mkdirSync(opts.artifacts, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'convene-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: opts.chromium, headless: true, viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run',
      '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions'],
  });
  const report = { ok: false, requests, sockets, firstLoadBytes: 0, axeViolations: 0, screenshots: [] };
  try {
    let firstLoad = true;
    const pending = [];
    context.on('request', (r) => { requests.push(r.url()); checkURL(r.url(), `a ${r.resourceType()} request`); });
    context.on('requestfinished', (r) => {
      if (firstLoad) pending.push(r.sizes().then((s) => { report.firstLoadBytes += s.responseBodySize + s.responseHeadersSize; }));
    });
    await context.addInitScript(() => {
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('websocket', (ws) => { sockets.push(ws.url()); checkURL(ws.url(), 'a WebSocket'); });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (/Content.Security.Policy/i.test(msg.text())) problems.push(`CSP violation: ${msg.text()}`);
      else if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    const csp = async (where) => { for (const v of await page.evaluate(() => window.__csp)) problems.push(`CSP violation on ${where}: ${v}`); };

    step('open /dashboard');
    const res = await page.goto(new URL('/dashboard', base).href, { waitUntil: 'load', timeout });
    if (!(res.headers()['content-security-policy'] || '').includes("script-src 'self'")) throw new Error('no strict Content-Security-Policy');
    await page.getByRole('heading', { name: 'Commitments at a glance' }).waitFor({ timeout });
    await page.getByText('live', { exact: true }).waitFor({ timeout });
    await page.waitForLoadState('networkidle');
    await Promise.all(pending);
    firstLoad = false;
    const main = await page.locator('main').innerText();
    for (const want of ['Progress by pillar', 'Youth, Family and Social Prevention', 'Progress by lead sector', 'Civil society', 'Overdue commitments (', 'Latest outcomes', 'Open action items (', 'C-1.2-001']) {
      if (!main.includes(want)) throw new Error(`the dashboard lacks ${JSON.stringify(want)}:\n${main.slice(0, 1500)}`);
    }
    if (report.firstLoadBytes >= 250 * 1024) problems.push(`the first load took ${report.firstLoadBytes} bytes`);
    const shot = join(opts.artifacts, 'dashboard.png');
    await page.screenshot({ path: shot });
    report.screenshots.push(shot);
    if (opts['docs-screenshot']) copyFileSync(shot, opts['docs-screenshot']);
    report.axeViolations += await axe(page, '/dashboard');

    step('an outcome recorded over HTTP appears without reload');
    await page.evaluate(() => { window.__sameDocument = true; });
    const summary = `Live check ${Date.now()}: publish the referral directory`;
    const { meetings } = await gql('{ meetings(first: 1, filter: {statuses: [HELD]}) { nodes { id } } }');
    await gql('mutation($in: RecordMeetingOutcomeInput!) { recordMeetingOutcome(input: $in) { outcome { id } } }',
      { in: { meetingId: meetings.nodes[0].id, kind: 'ACTION_ITEM', summary, ownerId: null } });
    await page.locator('#latest + ul li', { hasText: summary }).waitFor({ timeout });
    await page.locator('#actions + ul li', { hasText: summary }).waitFor({ timeout });
    if (!(await page.evaluate(() => window.__sameDocument))) throw new Error('the page reloaded');

    step('a commitment page, live');
    await page.locator('#overdue + ul a').first().click();
    await page.waitForURL(/\/dashboard\/commitments\//, { timeout });
    await page.locator('svg.chart').waitFor({ timeout });
    await page.goto(new URL(`/dashboard/commitments/${opts.commitment}`, base).href, { waitUntil: 'load', timeout });
    await page.locator('svg.chart circle').first().waitFor({ timeout });
    await page.evaluate(() => { window.__sameDocument = true; });
    const dots = await page.locator('svg.chart circle').count();
    const note = `Live check ${Date.now()}: all sessions held`;
    await gql('mutation($in: ReportProgressInput!) { reportProgress(input: $in) { userErrors { message } } }',
      { in: { commitmentId: opts.commitment, progress: 97, note } });
    await page.locator('table tr', { hasText: note }).waitFor({ timeout });
    if ((await page.locator('svg.chart circle').count()) !== dots + 1) throw new Error('the chart did not gain the new report');
    if (!(await page.evaluate(() => window.__sameDocument))) throw new Error('the commitment page reloaded');
    const cshot = join(opts.artifacts, 'dashboard-commitment.png');
    await page.screenshot({ path: cshot, fullPage: true });
    report.screenshots.push(cshot);
    report.axeViolations += await axe(page, 'a commitment page');

    step('print and 360 px');
    await page.emulateMedia({ media: 'print' });
    if (await page.locator('#live').isVisible() || await page.locator('footer').isVisible()) problems.push('printed, the live status or the footer shows');
    if (!(await page.locator('svg.chart').isVisible())) problems.push('printed, the chart is hidden');
    await page.pdf({ path: join(opts.artifacts, 'dashboard-commitment.pdf') });
    await page.emulateMedia({ media: 'screen' });
    await page.setViewportSize({ width: 360, height: 800 });
    await noSideScroll(page, 'a commitment page');
    const narrow = join(opts.artifacts, 'dashboard-360.png');
    await page.screenshot({ path: narrow, fullPage: true });
    report.screenshots.push(narrow);

    step('links to a stakeholder and a meeting');
    await page.locator('main p', { hasText: 'Led by' }).locator('a').first().click();
    await page.waitForURL(/\/dashboard\/stakeholders\//, { timeout });
    await page.getByRole('heading', { name: /^Commitments \(\d+\)$/ }).waitFor({ timeout });
    await noSideScroll(page, 'a stakeholder page');
    report.axeViolations += await axe(page, 'a stakeholder page');
    await page.locator('main ul.items a[href^="/dashboard/meetings/"]').first().click();
    await page.waitForURL(/\/dashboard\/meetings\//, { timeout });
    await page.getByRole('heading', { name: 'Agenda' }).waitFor({ timeout });
    await noSideScroll(page, 'a meeting page');
    report.axeViolations += await axe(page, 'a meeting page');
    await page.goBack();
    await page.waitForURL(/\/dashboard\/stakeholders\//, { timeout });
    await page.goto(new URL('/dashboard', base).href, { waitUntil: 'load', timeout });
    await page.getByRole('heading', { name: 'Commitments at a glance' }).waitFor({ timeout });
    await noSideScroll(page, '/dashboard');
    await csp('the pages');

    if (sockets.length === 0) problems.push('no WebSocket was opened');
    if (problems.length) throw new Error(problems.join('\n'));
    report.ok = true;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    console.log(JSON.stringify(report));
  }
}

main().catch((err) => {
  console.error(`dashboard.mjs: ${err.stack || err}`);
  process.exit(1);
});
