// Baseline B2 of the Convene benchmark: Apollo Server (the peer most teams
// would pick) serving the subset of Convene's schema that the read
// workloads use, from the same dataset held in memory (the harness's
// export of the generated data). Resolvers are written the way an Apollo
// project would write them: a resolver per relation, looking objects up in
// maps; filtering and paging over the commitments in reference order.
//
//   node server.mjs --port 4000 --export export.json
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const data = JSON.parse(readFileSync(args.export, 'utf8'));
const objectives = data.objectives;
const stakeholders = data.stakeholders;
const pillars = Object.fromEntries(data.pillars.map((p) => [p.id, p]));
const commitments = data.commitments; // in reference order
const byId = new Map(commitments.map((c) => [c.id, c]));

const typeDefs = `#graphql
  scalar Date
  scalar DateTime
  enum Sector { ${data.sectors.join(' ')} }
  enum CommitmentStatus { ${data.statuses.join(' ')} }
  enum ParticipantRole { LEAD IMPLEMENTING FUNDING SUPPORTING }

  type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
  type Pillar { id: ID! code: String! title: String! }
  type Objective { id: ID! code: String! title: String! pillar: Pillar! }
  type Stakeholder { id: ID! name: String! sector: Sector! }
  type Participant { stakeholder: Stakeholder! role: ParticipantRole! }
  type ProgressReport { progress: Int! status: CommitmentStatus! note: String! reportedAt: DateTime! }
  type ProgressReportConnection { nodes: [ProgressReport!]! totalCount: Int! pageInfo: PageInfo! }
  type Commitment {
    id: ID!
    reference: String!
    title: String!
    status: CommitmentStatus!
    progress: Int!
    dueDate: Date!
    lead: Stakeholder!
    objective: Objective!
    pillar: Pillar!
    participants: [Participant!]!
    progressReports(first: Int): ProgressReportConnection!
  }
  type CommitmentConnection { nodes: [Commitment!]! totalCount: Int! pageInfo: PageInfo! }
  input CommitmentFilter { sectors: [Sector!] statuses: [CommitmentStatus!] }
  type StatusCount { status: CommitmentStatus! count: Int! }
  type SectorStats { sector: Sector! count: Int! averageProgress: Float! }
  type PillarStats { pillar: Pillar! count: Int! averageProgress: Float! }
  type CommitmentStats {
    total: Int!
    averageProgress: Float!
    overdue: Int!
    byStatus: [StatusCount!]!
    bySector: [SectorStats!]!
    byPillar: [PillarStats!]!
  }
  type Query {
    commitment(id: ID!): Commitment
    commitments(first: Int, after: String, filter: CommitmentFilter): CommitmentConnection!
    commitmentStats(filter: CommitmentFilter): CommitmentStats!
  }
`;

function matches(c, filter) {
  if (!filter) return true;
  if (filter.statuses?.length && !filter.statuses.includes(c.status)) return false;
  if (filter.sectors?.length && !c.participants.some((p) => filter.sectors.includes(stakeholders[p.stakeholderId]?.sector))) return false;
  return true;
}

const avg = (a) => (a.count === 0 ? 0 : a.progress / a.count);

const resolvers = {
  Query: {
    commitment: (_, { id }) => byId.get(id) ?? null,
    commitments: (_, { first, after, filter }) => {
      if (first != null && (first < 0 || first > 100)) throw new Error('first must be between 0 and 100');
      const matched = commitments.filter((c) => matches(c, filter));
      let start = 0;
      if (after != null) {
        // Cursors are Convene's, in reference order; the page starts after the named one.
        const at = matched.findIndex((c) => c.cursor === after);
        start = at < 0 ? matched.length : at + 1;
      }
      const n = first ?? 20;
      const page = matched.slice(start, start + n);
      return {
        nodes: page,
        totalCount: matched.length,
        pageInfo: {
          hasNextPage: start + page.length < matched.length,
          hasPreviousPage: start > 0,
          startCursor: page[0]?.cursor ?? null,
          endCursor: page.at(-1)?.cursor ?? null,
        },
      };
    },
    commitmentStats: (_, { filter }) => {
      const total = { count: 0, progress: 0 };
      let overdue = 0;
      const byStatus = Object.fromEntries(data.statuses.map((s) => [s, 0]));
      const bySector = Object.fromEntries(data.sectors.map((s) => [s, { count: 0, progress: 0 }]));
      const byPillar = Object.fromEntries(data.pillars.map((p) => [p.id, { count: 0, progress: 0 }]));
      for (const c of commitments) {
        if (!matches(c, filter)) continue;
        total.count++;
        total.progress += c.progress;
        if (c.dueDate < data.today && c.status !== 'COMPLETED' && c.status !== 'CANCELLED') overdue++;
        byStatus[c.status]++;
        const lead = stakeholders[c.leadId];
        if (lead) {
          bySector[lead.sector].count++;
          bySector[lead.sector].progress += c.progress;
        }
        const p = byPillar[c.pillarId];
        if (p) {
          p.count++;
          p.progress += c.progress;
        }
      }
      return {
        total: total.count,
        averageProgress: avg(total),
        overdue,
        byStatus: data.statuses.map((s) => ({ status: s, count: byStatus[s] })),
        bySector: data.sectors.map((s) => ({ sector: s, count: bySector[s].count, averageProgress: avg(bySector[s]) })),
        byPillar: data.pillars.map((p) => ({ pillar: p, count: byPillar[p.id].count, averageProgress: avg(byPillar[p.id]) })),
      };
    },
  },
  Commitment: {
    lead: (c) => stakeholders[c.leadId],
    objective: (c) => objectives[c.objectiveId],
    pillar: (c) => pillars[c.pillarId],
    participants: (c) => c.participants,
    progressReports: (c, { first }) => {
      const reports = c.reports ?? [];
      const nodes = reports.slice(0, first ?? 20);
      return {
        nodes,
        totalCount: reports.length,
        pageInfo: { hasNextPage: nodes.length < reports.length, hasPreviousPage: false, startCursor: null, endCursor: null },
      };
    },
  },
  Objective: { pillar: (o) => pillars[o.pillarId] },
  Participant: { stakeholder: (p) => stakeholders[p.stakeholderId] },
};

const server = new ApolloServer({ typeDefs, resolvers, introspection: false });
const { url } = await startStandaloneServer(server, { listen: { port: Number(args.port), host: '127.0.0.1' } });
console.log(`apollo baseline ready at ${url}`);
