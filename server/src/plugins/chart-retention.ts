// Stored charts are kept CHART_RETENTION_DAYS: a sweep deletes older ones when the server starts and once a
// day after that. Another instance sweeping at the same time is harmless (the DELETE is idempotent).
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config/env.js';
import { chartsRepository } from '../db/repositories/charts.js';

export const CHART_SWEEP_INTERVAL_MS = 24 * 60 * 60 * 1000;

declare module 'fastify' {
  interface FastifyInstance {
    /** Deletes charts past retention now; resolves with how many went. */
    sweepCharts: () => Promise<number>;
  }
}

export const chartRetentionPlugin = fp<{ config: Pick<Config, 'chartRetentionDays'> }>(
  async (app: FastifyInstance, { config }) => {
    const charts = chartsRepository(app.db);
    const sweep = async (): Promise<number> => {
      const deleted = await charts.deleteOlderThan(config.chartRetentionDays);
      if (deleted > 0) app.log.info({ deleted, retentionDays: config.chartRetentionDays }, 'deleted expired charts');
      return deleted;
    };
    const sweepSafely = (): void => {
      sweep().catch((err: unknown) => app.log.warn({ err }, 'chart retention sweep failed'));
    };
    app.decorate('sweepCharts', sweep);
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      sweepSafely();
      timer = setInterval(sweepSafely, CHART_SWEEP_INTERVAL_MS);
      timer.unref();
    });
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'chart-retention', dependencies: ['database'] },
);
