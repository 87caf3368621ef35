import { randomUUID } from 'node:crypto';
import { register as globalRegistry, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics, MetricsError } from '../../src/metrics/index.js';
import { parseExposition, valueOf } from './exposition.js';

const channel = (): string => `ch-${randomUUID().slice(0, 8)}`;

describe('createMetrics', () => {
  it('gives two instances in one process registries that do not collide', async () => {
    const [a, b] = [createMetrics(), createMetrics()];
    const ch = channel();
    a.busObserver()({ kind: 'emitted', channel: ch, priority: 'normal', duplicate: false });
    a.busObserver()({ kind: 'emitted', channel: ch, priority: 'normal', duplicate: false });
    b.busObserver()({ kind: 'emitted', channel: ch, priority: 'normal', duplicate: false });

    expect(a.registry).not.toBe(b.registry);
    expect(
      valueOf(parseExposition(await a.metrics()), 'warden_bus_events_emitted_total', {
        channel: ch,
      }),
    ).toBe(2);
    expect(
      valueOf(parseExposition(await b.metrics()), 'warden_bus_events_emitted_total', {
        channel: ch,
      }),
    ).toBe(1);
    expect(globalRegistry.getSingleMetric('warden_bus_events_emitted_total')).toBeUndefined();
    expect(globalRegistry.getSingleMetric('process_cpu_user_seconds_total')).toBeUndefined();
  });

  it('serves process default metrics unless turned off', async () => {
    const withDefaults = parseExposition(await createMetrics().metrics());
    const without = parseExposition(await createMetrics({ defaultMetrics: false }).metrics());
    expect(withDefaults.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(withDefaults.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(without.types.has('process_cpu_user_seconds_total')).toBe(false);
    expect(without.types.get('warden_bus_events_emitted_total')).toBe('counter');
  });

  it('exposes Prometheus text format with its content type', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const exposition = parseExposition(await metrics.metrics());
    expect(exposition.types.get('warden_bus_delivery_latency_seconds')).toBe('histogram');
    expect(exposition.types.get('warden_bus_consumer_lag_events')).toBe('gauge');
  });

  it('registers into a given registry', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry, defaultMetrics: false });
    expect(metrics.registry).toBe(registry);
    expect(await registry.metrics()).toContain('# TYPE warden_rbac_checks_total counter');
  });

  it("refuses a registry that already holds an instance's metrics, leaving it untouched", async () => {
    const registry = new Registry();
    createMetrics({ registry, defaultMetrics: false });
    const before = await registry.metrics();
    expect(() => createMetrics({ registry, defaultMetrics: false })).toThrow(MetricsError);
    expect(await registry.metrics()).toBe(before);
  });

  it('refuses default metrics a registry already collects', () => {
    const registry = new Registry();
    createMetrics({ registry, defaultMetrics: true });
    const other = new Registry();
    other.registerMetric(registry.getSingleMetric('process_cpu_user_seconds_total')!);
    expect(() => createMetrics({ registry: other })).toThrow(/defaultMetrics/);
    expect(createMetrics({ registry: other, defaultMetrics: false }).registry).toBe(other);
  });

  it('lists every bad setting in one METRICS_CONFIG_INVALID', () => {
    const attempt = () =>
      createMetrics({
        maxChannels: 0,
        maxConsumersPerChannel: 1.5,
        registry: {} as unknown as Registry,
      });
    expect(attempt).toThrow(MetricsError);
    try {
      attempt();
    } catch (error) {
      expect((error as MetricsError).code).toBe('METRICS_CONFIG_INVALID');
      expect((error as MetricsError).category).toBe('invalid_argument');
      const paths = ((error as MetricsError).details['issues'] as { path: string }[]).map(
        (i) => i.path,
      );
      expect(paths).toEqual(['maxChannels', 'maxConsumersPerChannel', 'registry']);
    }
  });
});
