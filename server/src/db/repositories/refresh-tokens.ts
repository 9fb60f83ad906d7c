// oauth_refresh_tokens: the local issuer's refresh tokens, stored as SHA-256 hashes, rotated on use.
import { createHash } from 'node:crypto';
import type { Queryable } from '../database.js';

export interface RefreshGrant {
  familyId: string;
  subject: string;
  clientId: string;
  scope: string;
}

const hash = (token: string): string => createHash('sha256').update(token).digest('hex');

export function refreshTokensRepository(db: Queryable) {
  const revokeFamily = async (familyId: string): Promise<void> => {
    await db.query('UPDATE oauth_refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [
      familyId,
    ]);
  };

  return {
    async store(token: string, grant: RefreshGrant, expiresAt: Date): Promise<void> {
      await db.query(
        `INSERT INTO oauth_refresh_tokens (token_hash, family_id, subject, client_id, scope, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [hash(token), grant.familyId, grant.subject, grant.clientId, grant.scope, expiresAt],
      );
    },

    /**
     * Spends a refresh token: returns its grant once. A token that was already spent or revoked
     * revokes its whole family, because someone is replaying it.
     */
    async consume(token: string): Promise<RefreshGrant | undefined> {
      const { rows } = await db.query<{ family_id: string; subject: string; client_id: string; scope: string }>(
        `UPDATE oauth_refresh_tokens SET revoked_at = now()
          WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
          RETURNING family_id, subject, client_id, scope`,
        [hash(token)],
      );
      const row = rows[0];
      if (row) return { familyId: row.family_id, subject: row.subject, clientId: row.client_id, scope: row.scope };
      const { rows: spent } = await db.query<{ family_id: string }>(
        'SELECT family_id FROM oauth_refresh_tokens WHERE token_hash = $1',
        [hash(token)],
      );
      if (spent[0]) await revokeFamily(spent[0].family_id);
      return undefined;
    },

    /** Sign-out: the token's whole family stops working. Unknown tokens are ignored (RFC 7009). */
    async revoke(token: string): Promise<void> {
      const { rows } = await db.query<{ family_id: string }>(
        'SELECT family_id FROM oauth_refresh_tokens WHERE token_hash = $1',
        [hash(token)],
      );
      if (rows[0]) await revokeFamily(rows[0].family_id);
    },
  };
}

export type RefreshTokensRepository = ReturnType<typeof refreshTokensRepository>;
