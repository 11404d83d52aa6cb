import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

/**
 * One registry per service, never prom-client's global one: the demo and the tests run cloud, edge and
 * simulators in one process, and each must expose only its own counters.
 */
export function createMetricsRegistry(service: string, withProcessMetrics = true): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (withProcessMetrics) collectDefaultMetrics({ register: registry, prefix: 'lookout_' });
  return registry;
}
