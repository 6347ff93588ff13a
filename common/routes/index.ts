// The route table: the contract between control (publishes) and gateway/dns (follow).
export * from './types.js';
export {
  createRoutePublisher,
  readRouteTable,
  type RoutePublisher,
  type RouteTableSnapshot,
  type AppRouteOptions,
  type FenceLookup,
} from './publisher.js';
export { RouteTableConsumer, type RouteConsumerOptions } from './consumer.js';
