// The local chart reader, built once for the app (one worker thread for large charts, shared by the chat stream
// and POST /charts/read) and stopped when the app closes.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createChartAnalyzer, type ChartAnalyzer } from '../services/chart-analysis.js';

declare module 'fastify' {
  interface FastifyInstance {
    chartAnalyzer: Pick<ChartAnalyzer, 'read'>;
  }
}

export const chartAnalysisPlugin = fp(
  async (app: FastifyInstance) => {
    const analyzer = createChartAnalyzer();
    app.addHook('onClose', () => analyzer.close());
    app.decorate('chartAnalyzer', { read: (bytes: Buffer) => analyzer.read(bytes) });
  },
  { name: 'chart-analysis' },
);
