import { Global, Module } from '@nestjs/common';
import { StoreLossObserver } from '../epoch/store-epoch.js';
import { RevocationObserver } from '../revocation/revocation-observer.js';
import { HttpMetrics } from './http-metrics.js';
import { metricsRegistryProvider } from './metrics-registry.js';
import { MetricsTokenGuard } from './metrics-token.guard.js';
import { MetricsController } from './metrics.controller.js';
import { RevocationMetrics } from './revocation-metrics.js';
import { StoreMetrics } from './store-metrics.js';

/**
 * Prometheus metrics at `GET /metrics`, with a registry of this app's own. Global so that the revocation, session and epoch
 * modules can find the observers they optionally inject; the app leaves it out when METRICS_ENABLED=false.
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    metricsRegistryProvider,
    HttpMetrics,
    RevocationMetrics,
    StoreMetrics,
    MetricsTokenGuard,
    { provide: RevocationObserver, useExisting: RevocationMetrics },
    { provide: StoreLossObserver, useExisting: RevocationMetrics },
  ],
  exports: [RevocationObserver, StoreLossObserver],
})
export class MetricsModule {}
