export { AuditLiveFeed, AUDIT_LIVE_FEED_CONSUMER, DEFAULT_LIVE_QUEUE_SIZE } from './live-feed.js';
export type { AuditLiveFeedConfig, AuditWatch } from './live-feed.js';
export type { AuditListener, AuditLiveInfo } from './live-watcher.js';
export { matchesFilter, matchesTypes } from './filter.js';
export type { AuditFilter } from './filter.js';
