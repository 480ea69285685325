// Compiled, never run: the ten-line program of docs/clients.md in TypeScript must type-check
// against index.d.ts, and wrong field names must not.
import { TrackClient, violationsOf, status, TrackEvent, FieldViolation } from '..';

async function main(target: string): Promise<void> {
  const client = new TrackClient(target, { deadlineMs: 5000 });
  const event: TrackEvent = {
    user_id: 'u1', group_id: 'acct1', timestamp: new Date(),
    account_added_user: { user_role: 'Developer', user_email: 'mark.wood@example.com' },
  };
  const response = await client.track(event);
  const id: string = response.message_id;
  const duplicate: boolean = response.duplicate;
  const batch = await client.trackBatch({ requests: [event] });
  const outcome: string = batch.results[0].outcome;
  try {
    await client.track({ ...event, user_id: '' });
  } catch (error) {
    const violations: FieldViolation[] = violationsOf(error);
    console.log(id, duplicate, outcome, violations, (error as { code: number }).code === status.INVALID_ARGUMENT);
  }
  // @ts-expect-error: the contract's field is user_id, not userId.
  await client.track({ userId: 'u1' });
  client.close();
}

void main;
