import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import type { StoreLossCause, StoreLossObserver } from '../epoch/store-epoch.js';
import type { RevocationCheckResult, RevocationKind, RevocationObserver } from '../revocation/revocation-observer.js';
import { METRIC_PREFIX } from './metrics-registry.js';

const CHECK_RESULTS: RevocationCheckResult[] = ['allowed', 'revoked', 'store_error'];
const KINDS: RevocationKind[] = ['token', 'session', 'user'];
const LOSS_CAUSES: StoreLossCause[] = ['wiped', 'rolled_back', 'replaced'];

// From an answer out of memory (tens of µs) to a Redis round trip, up to REDIS_COMMAND_TIMEOUT_MS (500 ms default).
const CHECK_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** The revocation store's metrics: checks by result and their latency, revocations by kind, store losses. */
@Injectable()
export class RevocationMetrics implements RevocationObserver, StoreLossObserver {
  // One child per label value, made once: every series exists (at 0) from the start.
  private readonly checks: Record<RevocationCheckResult, Counter.Internal>;
  private readonly checkDurations: Histogram;
  private readonly revocations: Record<RevocationKind, Counter.Internal>;
  private readonly losses: Record<StoreLossCause, Counter.Internal>;

  constructor(registry: Registry) {
    const checks = new Counter({
      name: `${METRIC_PREFIX}revocation_checks_total`,
      help: 'Revocation checks by result: one per bearer request, one after each login, one per OAuth token lookup',
      labelNames: ['result'],
      registers: [registry],
    });
    this.checks = childrenOf(checks, CHECK_RESULTS);
    this.checkDurations = new Histogram({
      name: `${METRIC_PREFIX}revocation_check_duration_seconds`,
      help: 'Time the revocation store took to answer a check, failures included',
      buckets: CHECK_BUCKETS_SECONDS,
      registers: [registry],
    });
    const revocations = new Counter({
      name: `${METRIC_PREFIX}revocations_total`,
      help: 'Revocations: token (a jti, at logout), session (one session ended), user (every session of a user)',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.revocations = childrenOf(revocations, KINDS);
    const losses = new Counter({
      name: `${METRIC_PREFIX}revocation_store_losses_total`,
      help:
        'Store losses this instance detected, each ending the store epoch (every earlier token refused): wiped ' +
        '(epoch record gone), rolled_back (an older copy of the data), replaced (another instance began a new epoch)',
      labelNames: ['cause'],
      registers: [registry],
    });
    this.losses = childrenOf(losses, LOSS_CAUSES);
  }

  checked(result: RevocationCheckResult, seconds: number): void {
    this.checks[result].inc();
    this.checkDurations.observe(seconds);
  }

  revoked(kind: RevocationKind): void {
    this.revocations[kind].inc();
  }

  storeLost(cause: StoreLossCause): void {
    this.losses[cause].inc();
  }
}

/** The counter's child for each value, each already exported at 0. */
function childrenOf<V extends string>(counter: Counter<string>, values: V[]): Record<V, Counter.Internal> {
  const children = values.map((value) => {
    const child = counter.labels(value);
    child.inc(0);
    return [value, child];
  });
  return Object.fromEntries(children) as Record<V, Counter.Internal>;
}
