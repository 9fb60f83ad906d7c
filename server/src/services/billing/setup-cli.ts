// `npm run billing:setup [-- --webhook-url https://…/api/v1/billing/webhook]`: sets up (or finds) the Stripe
// products, prices and meter and prints the variables to set. Needs STRIPE_SECRET_KEY; prints no secret but
// a newly created webhook endpoint's signing secret, which Stripe shows only once.
import { parseArgs } from 'node:util';
import { createStripe } from './stripe-client.js';
import { setUpBilling } from './setup.js';

const { values } = parseArgs({ options: { 'webhook-url': { type: 'string' } } });
const secretKey = process.env.STRIPE_SECRET_KEY ?? '';
if (!/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/.test(secretKey)) {
  console.error('Set STRIPE_SECRET_KEY (sk_test_… or sk_live_…) to the account to set up.');
  process.exit(1);
}
try {
  const stripe = await createStripe({ secretKey });
  const { env, created } = await setUpBilling(
    stripe,
    values['webhook-url'] ? { webhookUrl: values['webhook-url'] } : {},
  );
  console.log(created.length > 0 ? `Created: ${created.join('; ')}` : 'Everything was already set up.');
  console.log('\nSet on the server (with STRIPE_SECRET_KEY and the webhook endpoint’s STRIPE_WEBHOOK_SECRET):\n');
  for (const [name, value] of Object.entries(env)) console.log(`${name}=${value}`);
} catch (error) {
  console.error(`Stripe refused: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
