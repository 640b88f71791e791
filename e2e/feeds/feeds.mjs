// feeds.mjs: fetches Convene's feeds and parses them with real parsers,
// printing what they read as one JSON line (feeds_test.go checks it).
//
//   node feeds.mjs --url http://127.0.0.1:8080 --atom /feeds/commitments.atom ... --ics /feeds/meetings.ics ...
import { parseFeed } from '@rowanmanning/feed-parser';
import ICAL from 'ical.js';

const args = process.argv.slice(2);
let base = '';
const atom = [];
const ics = [];
for (let i = 0; i < args.length; i += 2) {
  const [flag, value] = [args[i], args[i + 1]];
  if (flag === '--url') base = value;
  else if (flag === '--atom') atom.push(value);
  else if (flag === '--ics') ics.push(value);
  else throw new Error(`unknown flag ${flag}`);
}

async function get(path) {
  const res = await fetch(base + path);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.text();
}

const out = { atom: {}, ics: {} };
for (const path of atom) {
  const feed = parseFeed(await get(path));
  out.atom[path] = {
    title: feed.title,
    updated: feed.updated?.toISOString() ?? null,
    items: feed.items.map((it) => ({
      id: it.id,
      title: it.title,
      updated: it.updated?.toISOString() ?? null,
      authors: it.authors.map((a) => a.name),
      summary: it.description,
      url: it.url,
    })),
  };
}
for (const path of ics) {
  const cal = new ICAL.Component(ICAL.parse(await get(path)));
  out.ics[path] = cal.getAllSubcomponents('vevent').map((v) => {
    const ev = new ICAL.Event(v);
    return {
      uid: ev.uid,
      sequence: ev.sequence,
      status: v.getFirstPropertyValue('status'),
      summary: ev.summary,
      description: ev.description,
      location: ev.location,
      start: ev.startDate.toJSDate().toISOString(),
      end: ev.endDate.toJSDate().toISOString(),
      url: v.getFirstPropertyValue('url'),
    };
  });
}
console.log(JSON.stringify(out));
