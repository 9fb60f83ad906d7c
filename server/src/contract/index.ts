// The public HTTP/SSE contract: schemas and types shared by the server and the desktop app.
// Imports nothing but typebox, so the desktop can depend on it without pulling in the server.
export * from './errors.js';
export * from './auth.js';
export * from './health.js';
export * from './usage.js';
export * from './conversations.js';
export * from './chat.js';
export * from './charts.js';
export * from './billing.js';
export const API_PREFIX = '/api/v1';
