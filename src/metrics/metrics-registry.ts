import type { FactoryProvider } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** The app's own metrics are named `revocable_jwt_…`; Node's default ones keep their usual names. */
export const METRIC_PREFIX = 'revocable_jwt_';

/**
 * This app's registry, injected as `Registry`. Never prom-client's global one: apps built side by side in one process
 * (the e2e tests) would share, and clash on, its metrics.
 */
export const metricsRegistryProvider: FactoryProvider<Registry> = {
  provide: Registry,
  useFactory: () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    return registry;
  },
};
