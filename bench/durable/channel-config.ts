import { eventBusConfig } from '../../dist/index.js';
import type { ChannelConfig, EventBusConfig } from '../../dist/index.js';
import { CHANNEL } from '../bus/security-event.js';

const security = eventBusConfig.channels[CHANNEL] as ChannelConfig;

/**
 * The spec's `security` channel as the default config has it (bufferSize 1000, the 3 named
 * consumers, 3 attempts with exponential backoff), alone: the `rbac` and `audit` channels
 * would only add idle streams and consumers to provision.
 */
export const SECURITY_ONLY: EventBusConfig = {
  channels: { [CHANNEL]: security },
  defaultConsumer: eventBusConfig.defaultConsumer,
};

/** The same channel with one named consumer, for the backlog case. */
export function securityWithConsumers(consumers: readonly string[]): EventBusConfig {
  return {
    channels: { [CHANNEL]: { ...security, consumers } },
    defaultConsumer: eventBusConfig.defaultConsumer,
  };
}
