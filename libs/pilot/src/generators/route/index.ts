/** RDS: route configurations for sidecars, routers and proxyless gRPC clients. */
export {
  buildGrpcRouteConfigurations,
  buildRouteConfigurations,
  grpcRouteGenerator,
  routeGenerator,
  routeNamesFor,
} from './rds-generator';
export { registerRouteGenerators } from './register';
