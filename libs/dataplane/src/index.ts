/**
 * @mesh/dataplane: the proxy engine. So far only its xDS client (`src/xds`); listeners, HTTP,
 * clusters and the rest of the engine consume the client's Snapshot.
 */
export * from './xds/index';
