// Convene's live dashboard: plain DOM, no framework. Each page is a URL
// (/dashboard, /dashboard/commitments/{id}, /dashboard/stakeholders/{id},
// /dashboard/meetings/{id}) rendered from one GraphQL query; an `events`
// subscription over graphql-transport-ws re-renders the open page whenever
// the log records a change. Text goes in with textContent only.
'use strict';

const main = document.getElementById('main');
const live = document.getElementById('live');

async function gql(query, variables) {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

// h builds an element: h('a', {href}, child, …); strings become text.
function h(tag, attrs, ...children) {
  const svg = ['svg', 'rect', 'polyline', 'circle', 'line', 'text', 'title', 'g'].includes(tag);
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v);
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

const words = (s) => (s ? s.charAt(0) + s.slice(1).toLowerCase().replaceAll('_', ' ') : '');
const pct = (n) => `${Math.round(n)}%`;
const day = (t) => (t ? t.slice(0, 10) : '');
const when = (t) => new Date(t).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
const link = (kind, node, text) => (node ? h('a', { href: `/dashboard/${kind}/${node.id}` }, text ?? node.name ?? node.title) : '');

// bar is a labelled horizontal bar of value out of 100.
function bar(label, value, note) {
  const v = Math.max(0, Math.min(100, value));
  return h('li', {},
    h('span', {}, label, note ? h('span', { class: 'meta' }, ` · ${note}`) : ''),
    h('span', { class: 'n' }, pct(value)),
    h('svg', { viewBox: '0 0 100 6', preserveAspectRatio: 'none', role: 'img', 'aria-label': `${label}: ${pct(value)}` },
      h('rect', { class: 'track', x: 0, y: 0, width: 100, height: 6 }),
      h('rect', { class: 'fill', x: 0, y: 0, width: v, height: 6 })));
}

// chart draws progress reports (oldest first) as a line in SVG.
function chart(reports) {
  const W = 600, H = 220, L = 36, R = 12, T = 12, B = 28;
  const pts = reports.map((r) => ({ t: Date.parse(r.reportedAt), p: r.progress }));
  const t0 = pts.length ? pts[0].t : 0, t1 = pts.length ? pts[pts.length - 1].t : 1;
  const x = (t) => L + (t1 === t0 ? (W - L - R) / 2 : ((t - t0) / (t1 - t0)) * (W - L - R));
  const y = (p) => T + (1 - p / 100) * (H - T - B);
  const g = [];
  for (const p of [0, 25, 50, 75, 100]) {
    g.push(h('line', { class: 'grid', x1: L, x2: W - R, y1: y(p), y2: y(p) }), h('text', { x: L - 6, y: y(p) + 4, 'text-anchor': 'end' }, `${p}%`));
  }
  if (pts.length) {
    g.push(h('text', { x: L, y: H - 8 }, day(reports[0].reportedAt)), h('text', { x: W - R, y: H - 8, 'text-anchor': 'end' }, day(reports[reports.length - 1].reportedAt)));
  }
  const desc = pts.length ? `Progress from ${pts[0].p}% to ${pts[pts.length - 1].p}% over ${pts.length} reports` : 'No progress reported yet';
  return h('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': desc },
    h('title', {}, desc), ...g,
    h('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }), h('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }),
    pts.length > 1 ? h('polyline', { class: 'line', points: pts.map((q) => `${x(q.t).toFixed(1)},${y(q.p).toFixed(1)}`).join(' ') }) : '',
    ...pts.map((q) => h('circle', { class: 'dot', cx: x(q.t).toFixed(1), cy: y(q.p).toFixed(1), r: 3.5 })));
}

const commitmentItem = (c) => h('li', {},
  link('commitments', c, `${c.reference} ${c.title}`), ' ',
  h('span', { class: 'meta' }, `${pct(c.progress)} · ${words(c.status)} · due ${c.dueDate}`, c.lead ? [' · ', link('stakeholders', c.lead)] : ''),
  c.overdue ? h('span', { class: 'overdue' }, ' overdue') : '');

const outcomeItem = (o) => h('li', {},
  h('span', { class: 'tag' }, words(o.kind)), ' ', o.summary, ' ',
  h('span', { class: 'meta' }, words(o.status), o.dueDate ? ` · due ${o.dueDate}` : '', o.owner ? [' · ', link('stakeholders', o.owner)] : '',
    o.meeting ? [' · ', link('meetings', o.meeting)] : ''));

const list = (items, render, empty) => (items.length ? h('ul', { class: 'items' }, items.map(render)) : h('p', { class: 'meta' }, empty));

const OUTCOME = 'id kind summary status dueDate owner { id name } meeting { id title }';
const COMMITMENT = 'id reference title status progress dueDate overdue lead { id name }';

const pages = {
  async home() {
    const d = await gql(`{
      commitmentStats { total averageProgress overdue bySector { sector count averageProgress } byPillar { pillar { id code title } count averageProgress } }
      overdue: commitments(first: 25, filter: {overdue: true}, orderBy: {field: DUE_DATE, direction: ASC}) { totalCount nodes { ${COMMITMENT} } }
      latest: outcomes(first: 8) { nodes { ${OUTCOME} } }
      actions: outcomes(first: 25, filter: {kinds: [ACTION_ITEM], statuses: [OPEN, IN_PROGRESS]}) { totalCount nodes { ${OUTCOME} } }
    }`);
    const s = d.commitmentStats;
    return [h('h1', {}, 'Commitments at a glance'),
      h('p', {}, `${s.total} commitments, ${pct(s.averageProgress)} average progress, `, h('span', { class: 'overdue' }, `${s.overdue} overdue`), '.'),
      h('div', { class: 'grid' },
        h('section', { 'aria-labelledby': 'by-pillar' }, h('h2', { id: 'by-pillar' }, 'Progress by pillar'),
          h('ul', { class: 'bars' }, s.byPillar.map((p) => bar(`${p.pillar.code} ${p.pillar.title}`, p.averageProgress, `${p.count} commitments`)))),
        h('section', { 'aria-labelledby': 'by-sector' }, h('h2', { id: 'by-sector' }, 'Progress by lead sector'),
          h('ul', { class: 'bars' }, s.bySector.map((x) => bar(words(x.sector), x.averageProgress, `${x.count} commitments`))))),
      h('section', { 'aria-labelledby': 'overdue' }, h('h2', { id: 'overdue' }, `Overdue commitments (${d.overdue.totalCount})`), list(d.overdue.nodes, commitmentItem, 'None.')),
      h('div', { class: 'grid' },
        h('section', { 'aria-labelledby': 'latest' }, h('h2', { id: 'latest' }, 'Latest outcomes'), list(d.latest.nodes, outcomeItem, 'None yet.')),
        h('section', { 'aria-labelledby': 'actions' }, h('h2', { id: 'actions' }, `Open action items (${d.actions.totalCount})`), list(d.actions.nodes, outcomeItem, 'None.')))];
  },

  async commitments(id) {
    const { commitment: c } = await gql(`query($id: ID!) { commitment(id: $id) { ${COMMITMENT} description startDate
      pillar { code title } objective { code title } participants { role stakeholder { id name } } targetCommunities { name }
      progressReports(first: 50) { nodes { progress status note reportedAt reportedBy { name } } }
      outcomes { ${OUTCOME} }
      history(last: 30) { nodes { kind at actor { name } fields { field before after } } } } }`, { id });
    if (!c) return notFound('commitment');
    const reports = [...c.progressReports.nodes].reverse();
    return [h('h1', {}, `${c.reference} ${c.title}`),
      h('p', { class: 'meta' }, `${c.pillar.code} ${c.pillar.title} › ${c.objective.code} ${c.objective.title}`),
      h('p', {}, c.description),
      h('p', {}, h('strong', {}, `${pct(c.progress)} · ${words(c.status)}`), ` · ${c.startDate} to ${c.dueDate}`, c.overdue ? h('span', { class: 'overdue' }, ' · overdue') : ''),
      h('p', {}, 'Led by ', link('stakeholders', c.lead), c.participants.filter((p) => p.role !== 'LEAD').length ? ', with ' : '',
        c.participants.filter((p) => p.role !== 'LEAD').flatMap((p, i) => [i ? ', ' : '', link('stakeholders', p.stakeholder), ` (${words(p.role)})`])),
      c.targetCommunities.length ? h('p', { class: 'meta' }, 'For ', c.targetCommunities.map((x) => x.name).join(', ')) : '',
      h('p', {}, h('a', { href: `/feeds/commitments/${c.id}.atom` }, 'Follow this commitment (Atom feed)')),
      h('section', { 'aria-labelledby': 'progress' }, h('h2', { id: 'progress' }, 'Progress'), chart(reports),
        h('div', { class: 'scroll' }, h('table', {}, h('caption', { class: 'meta' }, 'Progress reports, newest first'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Reported'), h('th', { scope: 'col' }, 'Progress'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Note'))),
          h('tbody', {}, c.progressReports.nodes.map((r) => h('tr', {}, h('td', {}, day(r.reportedAt)), h('td', {}, pct(r.progress)), h('td', {}, words(r.status)), h("td", {}, r.note))))))),
      h('section', { 'aria-labelledby': 'outcomes' }, h('h2', { id: 'outcomes' }, 'Meeting outcomes'), list(c.outcomes, outcomeItem, 'None linked.')),
      h('section', { 'aria-labelledby': 'history' }, h('h2', { id: 'history' }, 'History'),
        list([...c.history.nodes].reverse(), (x) => h('li', {}, h('span', { class: 'meta' }, `${when(x.at)} · ${x.actor.name || 'convene'} · `), x.kind.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase(),
          ': ', x.fields.map((f) => f.field).join(', ')), 'No changes.'))];
  },

  async stakeholders(id) {
    const { stakeholder: s } = await gql(`query($id: ID!) { stakeholder(id: $id) { id name acronym sector description website parent { id name } children { id name }
      commitments(first: 50) { totalCount nodes { ${COMMITMENT} } } } }`, { id });
    if (!s) return notFound('stakeholder');
    const { meetings } = await gql(`query($id: ID!) { meetings(first: 20, filter: {stakeholderIds: [$id]}) { nodes { id title startsAt status } } }`, { id });
    return [h('h1', {}, s.name, s.acronym ? ` (${s.acronym})` : ''),
      h('p', { class: 'meta' }, words(s.sector), s.parent ? [' · part of ', link('stakeholders', s.parent)] : ''),
      h('p', {}, s.description), s.website ? h('p', {}, h('a', { href: s.website, rel: 'noopener' }, s.website)) : '',
      h('p', {}, h('a', { href: `/feeds/stakeholders/${s.id}.atom` }, 'Follow this stakeholder (Atom feed)'), ' · ',
        h('a', { href: `/feeds/meetings.ics?stakeholderIds=${s.id}` }, 'its meetings (calendar)')),
      s.children.length ? h('p', {}, 'Includes ', s.children.flatMap((c, i) => [i ? ', ' : '', link('stakeholders', c)])) : '',
      h('h2', {}, `Commitments (${s.commitments.totalCount})`), list(s.commitments.nodes, commitmentItem, 'None.'),
      h('h2', {}, 'Meetings'), list(meetings.nodes, meetingItem, 'None.')];
  },

  async meetings(id) {
    const { meeting: m } = await gql(`query($id: ID!) { meeting(id: $id) { id title description startsAt endsAt location status minutes
      convener { id name } participants { attendance stakeholder { id name } } agenda { title durationMinutes } outcomes { ${OUTCOME} commitments { id reference } } } }`, { id });
    if (!m) return notFound('meeting');
    return [h('h1', {}, m.title),
      h('p', {}, h('strong', {}, words(m.status)), ` · ${when(m.startsAt)} to ${when(m.endsAt)} · ${m.location}`),
      h('p', {}, m.description),
      h('p', {}, 'Convened by ', link('stakeholders', m.convener), m.participants.length ? ', with ' : '',
        m.participants.flatMap((p, i) => [i ? ', ' : '', link('stakeholders', p.stakeholder), ` (${words(p.attendance)})`])),
      h('h2', {}, 'Agenda'), m.agenda.length ? h('ol', {}, m.agenda.map((a) => h('li', {}, `${a.title} (${a.durationMinutes} min)`))) : h('p', { class: 'meta' }, 'No agenda.'),
      m.minutes ? [h('h2', {}, 'Minutes'), h('p', {}, m.minutes)] : '',
      h('h2', {}, 'Outcomes'), list(m.outcomes, (o) => {
        const li = outcomeItem(o);
        if (o.commitments.length) li.append(h('span', { class: 'meta' }, ' · for '), ...o.commitments.flatMap((c, i) => [i ? ', ' : '', link('commitments', c, c.reference)]));
        return li;
      }, 'None recorded.')];
  },
};

const meetingItem = (m) => h('li', {}, link('meetings', m), ' ', h('span', { class: 'meta' }, `${when(m.startsAt)} · ${words(m.status)}`));
const notFound = (what) => [h('h1', {}, `No such ${what}`), h('p', {}, h('a', { href: '/dashboard' }, 'Back to the dashboard'))];

let rendering = Promise.resolve();
let seen = new Set();

// render draws the page of the current URL; changed list items flash.
function render(first) {
  rendering = rendering.then(async () => {
    const [, kind, id] = location.pathname.match(/^\/dashboard(?:\/(commitments|stakeholders|meetings)\/([^/]+))?\/?$/) || [];
    let nodes;
    try {
      nodes = kind ? await pages[kind](decodeURIComponent(id)) : location.pathname.replace(/\/$/, '') === '/dashboard' ? await pages.home() : notFound('page');
    } catch (err) {
      nodes = [h('h1', {}, 'The dashboard could not load'), h('p', {}, String(err.message || err))];
    }
    const frag = h('div', {}, nodes);
    const now = new Set();
    for (const li of frag.querySelectorAll('li')) {
      now.add(li.textContent);
      if (!first && !seen.has(li.textContent)) li.classList.add('flash');
    }
    seen = now;
    main.replaceChildren(...frag.childNodes);
    const h1 = main.querySelector('h1');
    document.title = h1 ? `${h1.textContent} · Convene` : 'Convene dashboard';
  });
  return rendering;
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.origin !== location.origin || !a.pathname.startsWith('/dashboard')) return;
  e.preventDefault();
  history.pushState(null, '', a.href);
  render(true).then(() => { main.focus(); window.scrollTo(0, 0); });
});
window.addEventListener('popstate', () => render(true));

// Live: any change in the log re-renders the open page (at most every 300 ms).
let timer = null;
function changed() {
  clearTimeout(timer);
  timer = setTimeout(() => render(false).then(() => { live.textContent = `live · updated ${new Date().toLocaleTimeString()}`; }), 300);
}
function subscribe() {
  const ws = window.graphqlWs.createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: { connected: () => { live.textContent = 'live'; }, closed: () => { live.textContent = 'reconnecting…'; } },
  });
  ws.subscribe({ query: 'subscription { events { cursor } }' }, { next: changed, error: () => { live.textContent = 'offline'; }, complete: () => {} });
}

render(true);
subscribe();
