export { createGateway, type Gateway, type GatewayOptions, type GatewayContext } from './gateway.ts';
