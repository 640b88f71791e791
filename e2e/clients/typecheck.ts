// typecheck.ts is never run: `tsc` (run by clients_typed_test.go) checks
// that the types graphql-codegen generates from the schema fit Apollo
// Client's and urql's typed APIs, and that they are precise: each line
// marked ts-expect-error must be a type error, or tsc fails.
import { ApolloClient } from '@apollo/client';
import type { Client } from '@urql/core';
import {
  CommitmentByReferenceDocument,
  OutcomesOfMeetingDocument,
  RecordOutcomeDocument,
  type CommitmentStatus,
  type OutcomeKind,
} from './generated/graphql';

export async function withApollo(client: ApolloClient): Promise<void> {
  const { data } = await client.query({ query: CommitmentByReferenceDocument, variables: { reference: 'C-2.1-002' } });
  const title: string | undefined = data?.commitmentByReference?.title;
  const status: CommitmentStatus | undefined = data?.commitmentByReference?.status;
  // @ts-expect-error progress is a number
  const progress: string | undefined = data?.commitmentByReference?.progress;
  // @ts-expect-error reference is required
  await client.query({ query: CommitmentByReferenceDocument, variables: {} });

  const m = await client.mutate({
    mutation: RecordOutcomeDocument,
    variables: { in: { meetingId: 'TWVldGluZzptLTIwMTUtMDk', kind: 'DECISION', summary: 'typed' } },
  });
  const id: string | undefined = m.data?.recordMeetingOutcome.outcome?.id;
  await client.mutate({
    mutation: RecordOutcomeDocument,
    // @ts-expect-error kind is an OutcomeKind
    variables: { in: { meetingId: 'TWVldGluZzptLTIwMTUtMDk', kind: 'PARTY', summary: 'typed' } },
  });

  client.subscribe({ query: OutcomesOfMeetingDocument, variables: { meetingIds: ['TWVldGluZzptLTIwMTUtMDk'] } }).subscribe((r) => {
    const kind: OutcomeKind | undefined = r.data?.meetingOutcomeRecorded.outcome.kind;
    void kind;
  });
  void [title, status, progress, id];
}

export async function withUrql(client: Client): Promise<void> {
  const q = await client.query(CommitmentByReferenceDocument, { reference: 'C-2.1-002' }).toPromise();
  const title: string | undefined = q.data?.commitmentByReference?.title;
  // @ts-expect-error the variable is reference, not ref
  await client.query(CommitmentByReferenceDocument, { ref: 'C-2.1-002' }).toPromise();
  const m = await client.mutation(RecordOutcomeDocument, { in: { meetingId: 'TWVldGluZzptLTIwMTUtMDk', kind: 'ACTION_ITEM', summary: 'typed' } }).toPromise();
  const code: string | undefined = m.data?.recordMeetingOutcome.userErrors[0]?.code;
  client.subscription(OutcomesOfMeetingDocument, { meetingIds: null }).subscribe((r) => {
    const summary: string | undefined = r.data?.meetingOutcomeRecorded.outcome.summary;
    void summary;
  });
  void [title, code];
}
