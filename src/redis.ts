/**
 * oauth-ccg/redis: a token store in Redis (or Valkey), so that a fleet of processes shares one token and
 * one token request per renewal.
 *
 * - {@link RedisTokenStore}: takes your own node-redis (version 4 and later) or ioredis client; this
 *   package depends on neither.
 */
export { RedisTokenStore, type RedisTokenStoreOptions } from './stores/redis-token-store.ts';
export type { ConnectionEvents, IoRedisClient, IoRedisSubscriber, NodeRedisClient, NodeRedisSubscriber, RedisClient } from './stores/redis-client.ts';
