// A turn reserved and not settled (its answer still streaming, or its instance gone), written straight into the
// database, for the tests of what waits for a turn to be recorded (GET /usage/current?settled=).
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../src/db/database.js';

/** Reserves a turn for the trader; returns its request id. */
export async function unsettledTurn(db: Queryable, userId: string): Promise<string> {
  const requestId = randomUUID();
  await db.query(
    `INSERT INTO quota_reservations (turn_id, user_id, request_id, model, period_start, input_tokens, tokens)
     VALUES ($1, $2, $3, 'claude-sonnet-4-5', now(), 0, 100)`,
    [randomUUID(), userId, requestId],
  );
  return requestId;
}

/** Settles it elsewhere (another instance, the sweeper): its reservation goes. */
export async function settleElsewhere(db: Queryable, requestId: string): Promise<void> {
  await db.query('DELETE FROM quota_reservations WHERE request_id = $1', [requestId]);
}
