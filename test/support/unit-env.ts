import { randomBytes } from 'node:crypto';

// The unit project starts no servers. Its specs read configuration the way the app does, so they get the two
// settings the e2e globalSetup would have given them: a secret, and a Redis address that nothing connects to.
process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
process.env.JWT_SECRET ??= randomBytes(48).toString('base64');
