// The database: connects (PostgreSQL or PGlite), applies pending migrations, decorates app.db and the
// repositories, and closes the pool when the app closes.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config/env.js';
import { connectDatabase } from '../db/connect.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { billingRepository, type BillingRepository } from '../db/repositories/billing.js';
import { conversationsRepository, type ConversationsRepository } from '../db/repositories/conversations.js';
import { refreshTokensRepository, type RefreshTokensRepository } from '../db/repositories/refresh-tokens.js';
import { usageRepository, type UsageRepository } from '../db/repositories/usage.js';
import { usersRepository, type UsersRepository } from '../db/repositories/users.js';

export interface Repositories {
  users: UsersRepository;
  usage: UsageRepository;
  conversations: ConversationsRepository;
  refreshTokens: RefreshTokensRepository;
  billing: BillingRepository;
}

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
    repos: Repositories;
  }
}

export interface DatabasePluginOptions {
  config: Pick<Config, 'databaseUrl' | 'databasePoolMax' | 'dataDir'>;
  /** A database the caller owns (tests); the plugin then neither connects nor closes it. */
  database?: Database;
}

export const databasePlugin = fp<DatabasePluginOptions>(
  async (app: FastifyInstance, options) => {
    const db = options.database ?? (await connectDatabase(options.config));
    if (!options.database) app.addHook('onClose', () => db.close());
    await migrate(db, {
      logger: { info: (message) => app.log.info(message), warn: (message) => app.log.warn(message) },
    });
    app.decorate('db', db);
    app.decorate('repos', {
      users: usersRepository(db),
      usage: usageRepository(db),
      conversations: conversationsRepository(db),
      refreshTokens: refreshTokensRepository(db),
      billing: billingRepository(db),
    });
  },
  { name: 'database' },
);
