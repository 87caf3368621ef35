import { SYSTEM_CHANNEL } from '../events/index.js';
import type { ChannelConfig, EventBusConfig } from '../events/index.js';

/** The alert service's consumer name (the spec's `alert-service` on `security`). */
export const ALERT_SERVICE_CONSUMER = 'alert-service';
/** Channels the alert service reads by default. */
export const ALERT_SOURCE_CHANNELS = ['security', 'rbac', SYSTEM_CHANNEL] as const;
/** Channel of `alert.raised` events (so the audit logger records them). */
export const ALERT_OUTPUT_CHANNEL = 'security';
/** Channel that carries alerts to notifiers, with its own retry strategy and dead letters. */
export const ALERT_DELIVERY_CHANNEL = 'alerts';

/** The consumer name of a notifier on the delivery channel. */
export function notifierConsumer(notifierName: string): string {
  return `alert-notifier-${notifierName}`;
}

/**
 * Delivery channel settings: 8 attempts, exponential backoff from 1 s to 5 min (about 10
 * minutes in all before a dead letter), a breaker that opens after 5 failures for 30 s.
 */
export function alertDeliveryChannel(notifierNames: readonly string[]): ChannelConfig {
  return {
    bufferSize: 1000,
    consumers: notifierNames.map(notifierConsumer),
    retryStrategy: { attempts: 8, backoff: 'exponential', initialDelay: 1_000, maxDelay: 300_000 },
    circuitBreaker: { failureThreshold: 5, cooldownMs: 30_000 },
  };
}

/**
 * A copy of `config` with `alert-service` a named consumer of every source channel (so it
 * receives events from the bus's start) and the delivery channel added for `notifierNames`
 * (kept as is when `config` already has one).
 */
export function withAlertChannels(
  config: EventBusConfig,
  notifierNames: readonly string[],
): EventBusConfig {
  const channels: Record<string, ChannelConfig> = { ...config.channels };
  for (const name of ALERT_SOURCE_CHANNELS) {
    const channel = channels[name] ?? { bufferSize: 100, consumers: [config.defaultConsumer] };
    if (!channel.consumers.includes(ALERT_SERVICE_CONSUMER))
      channels[name] = { ...channel, consumers: [...channel.consumers, ALERT_SERVICE_CONSUMER] };
  }
  channels[ALERT_DELIVERY_CHANNEL] ??= alertDeliveryChannel(notifierNames);
  return { ...config, channels };
}
