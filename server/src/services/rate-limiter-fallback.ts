// Redis while it answers, process memory while it does not, without a fresh allowance in between: every
// Redis answer leaves the user's log in memory as a floor, the fallback decides from that floor plus its
// own admissions, and before Redis decides again those admissions (and the floor, which an empty restart
// lost) are written back into it.
import type { RedisRateLimiter } from './rate-limiter-redis.js';
import type { LocalRateLimiter, MemoryRateLimiter, SharedLimiterAvailability } from './rate-limiter.js';

export interface FallbackRateLimiter extends LocalRateLimiter {
  /**
   * Writes what memory holds that Redis may lack into Redis; the Redis monitor runs it before it trusts
   * Redis again. Resolves with the number of users written; rejects if Redis failed meanwhile.
   */
  writeBack(): Promise<number>;
}

/** A write-back waits on no request, so it may take longer than a decision's 50 ms. */
const WRITE_BACK_TIME_BOX_MS = 1_000;
/** Admissions made in memory during one round of writing are written in the next; rarely more than one. */
const WRITE_BACK_ROUNDS = 3;

/** A failed or timed-out call falls through to memory at once, so no request waits longer than one time-boxed call. */
export function withMemoryFallback(
  shared: RedisRateLimiter,
  memory: MemoryRateLimiter,
  availability: SharedLimiterAvailability,
): FallbackRateLimiter {
  const writeBackUser = (userId: string, timeBoxMs?: number) =>
    memory.writeBack(userId, (admissions) => shared.writeBack(userId, admissions, timeBoxMs));

  return {
    async consume(userId, rules) {
      if (!availability.up) return memory.consume(userId, rules);
      try {
        // Admitted in memory while the write-back ran: into Redis first, so it counts them.
        if (memory.hasUnwritten(userId)) await writeBackUser(userId);
        const askedAt = memory.now();
        const { decision, log } = await shared.consumeWithLog(userId, rules);
        memory.remember(userId, rules, log, askedAt);
        return decision;
      } catch (error) {
        availability.reportFailure(error);
        return memory.consume(userId, rules);
      }
    },

    peek: (userId, rules) => memory.peek(userId, rules),

    async writeBack() {
      // Whether Redis kept its data is unknown (an empty restart looks like a blip), so the first round
      // writes every floor still counting; the script skips entries the log still has.
      const written = new Set<string>();
      for (let round = 0; round < WRITE_BACK_ROUNDS; round += 1) {
        const users = memory.unwritten(round === 0);
        if (users.length === 0) return written.size;
        await Promise.all(users.map((userId) => writeBackUser(userId, WRITE_BACK_TIME_BOX_MS)));
        for (const userId of users) written.add(userId);
      }
      if (memory.unwritten(false).length > 0) throw new Error('admissions kept arriving while Redis was written');
      return written.size;
    },
  };
}
