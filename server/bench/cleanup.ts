// What a bench leaves behind on the machine's PostgreSQL and Redis: its schema, and the rate-limit logs its
// server wrote under the production key prefix.
import { Redis } from 'ioredis';
import type pg from 'pg';
import { DEFAULT_KEY_PREFIX, rateLimitKey } from '../src/services/rate-limiter-redis.js';

export async function dropBenchData(admin: pg.Client, schema: string, redisUrl: string): Promise<void> {
  const { rows: users } = await admin.query<{ id: string }>(`SELECT id FROM ${schema}.users`);
  const redis = new Redis(redisUrl);
  if (users.length > 0) await redis.del(...users.map((user) => rateLimitKey(DEFAULT_KEY_PREFIX, user.id)));
  redis.disconnect();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
}
