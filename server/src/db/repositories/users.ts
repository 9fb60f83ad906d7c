// users: one row per Clerk (or local issuer) subject, created on the first authenticated request.
import type { Tier } from '../../contract/usage.js';
import type { Queryable } from '../database.js';

export interface User {
  id: string;
  clerkUserId: string;
  email: string | null;
  tier: Tier;
  subscriptionStatus: string;
  /** Stripe's customer, once the trader has been through Checkout. */
  stripeCustomerId: string | null;
  /**
   * The anchor the quota's monthly periods run from (services/billing-period.ts): a paid trader's subscription's
   * current period start; a free trader's a calendar month's first instant (UTC), so their periods are calendar
   * months.
   */
  periodStart: Date;
  createdAt: Date;
  lastActiveAt: Date;
}

interface UserRow {
  id: string;
  clerk_user_id: string;
  email: string | null;
  tier: Tier;
  subscription_status: string;
  stripe_customer_id: string | null;
  period_start: Date;
  created_at: Date;
  last_active_at: Date;
}

const COLUMNS =
  'id, clerk_user_id, email, tier, subscription_status, stripe_customer_id, period_start, created_at, last_active_at';

/** COLUMNS, qualified by the alias `u` (an UPDATE … FROM another relation with an id of its own). */
const COLUMNS_OF_U = COLUMNS.split(', ')
  .map((column) => `u.${column}`)
  .join(', ');

const toUser = (row: UserRow): User => ({
  id: row.id,
  clerkUserId: row.clerk_user_id,
  email: row.email,
  tier: row.tier,
  subscriptionStatus: row.subscription_status,
  stripeCustomerId: row.stripe_customer_id,
  periodStart: row.period_start,
  createdAt: row.created_at,
  lastActiveAt: row.last_active_at,
});

const LAST_ACTIVE_RESOLUTION_MS = 60_000;

export function usersRepository(db: Queryable) {
  const findByClerkId = async (clerkUserId: string): Promise<User | undefined> => {
    const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE clerk_user_id = $1`, [clerkUserId]);
    return rows[0] && toUser(rows[0]);
  };

  /** The user for this subject, created on first sight. Concurrent first calls make exactly one row. */
  const findOrCreate = async (clerkUserId: string, email: string | null): Promise<User> => {
    const existing = await findByClerkId(clerkUserId);
    if (existing) return existing;
    const { rows } = await db.query<UserRow>(
      `INSERT INTO users (clerk_user_id, email) VALUES ($1, $2)
       ON CONFLICT (clerk_user_id) DO NOTHING RETURNING ${COLUMNS}`,
      [clerkUserId, email],
    );
    if (rows[0]) return toUser(rows[0]);
    // Lost the race to a concurrent first request: its row is committed now.
    const winner = await findByClerkId(clerkUserId);
    if (!winner) throw new Error('user vanished between insert and select');
    return winner;
  };

  /**
   * The known users among these subjects, each read and, at most once a minute, its activity recorded, in one
   * statement: a sign-in is on every question's path whenever its short-lived session token is new to this
   * instance, and a burst of questions signs in many traders at once (auth.ts batches them). A row another
   * statement holds (a question's reservation locks it) is read as committed and not touched this time, rather than
   * waited for: the touch is only an activity mark, and two statements never wait on each other's rows here. Its
   * lock is an UPDATE's of columns no foreign key points at (FOR NO KEY UPDATE): a row that another transaction's
   * insert only references (its conversation, its reservation) is still touched, and that insert not held up.
   */
  const signInMany = async (clerkUserIds: readonly string[]): Promise<Map<string, User>> => {
    const { rows } = await db.query<UserRow>(
      `WITH stale AS (
         SELECT id FROM users
          WHERE clerk_user_id = ANY($1::text[]) AND last_active_at < now() - make_interval(secs => $2)
          ORDER BY id
            FOR NO KEY UPDATE SKIP LOCKED
       ), touched AS (
         UPDATE users u SET last_active_at = now() FROM stale WHERE u.id = stale.id
      RETURNING ${COLUMNS_OF_U}
       )
       SELECT ${COLUMNS} FROM touched
        UNION ALL
       SELECT ${COLUMNS} FROM users WHERE clerk_user_id = ANY($1::text[]) AND id NOT IN (SELECT id FROM touched)`,
      [clerkUserIds, LAST_ACTIVE_RESOLUTION_MS / 1000],
    );
    return new Map(rows.map((row) => [row.clerk_user_id, toUser(row)]));
  };

  return {
    findByClerkId,
    findOrCreate,

    /**
     * The signed-in user, created on first sight, with their activity recorded at most once a minute. A known user
     * costs one statement (signInMany's).
     */
    async signIn(clerkUserId: string, email: string | null): Promise<User> {
      return (await signInMany([clerkUserId])).get(clerkUserId) ?? findOrCreate(clerkUserId, email);
    },

    signInMany,

    /**
     * Sets the tier and the quota period's anchor directly (billing's webhook is the production path). A move to
     * free anchors at the calendar month; a free trader's anchor must be a month's start (a database check).
     * The counters follow on the next question.
     */
    async setPlan(userId: string, plan: { tier?: Tier; periodStart?: Date }): Promise<void> {
      await db.query(
        `UPDATE users
            SET tier = coalesce($2, tier),
                period_start = coalesce($3, CASE WHEN $2 = 'free' AND tier <> 'free'
                                                 THEN date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                                                 ELSE period_start END)
          WHERE id = $1`,
        [userId, plan.tier ?? null, plan.periodStart ?? null],
      );
    },
  };
}

export type UsersRepository = ReturnType<typeof usersRepository>;
