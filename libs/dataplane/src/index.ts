/**
 * @mesh/dataplane: the proxy engine. Its xDS client (`src/xds`) publishes checked snapshots;
 * the engine (`src/engine`) serves them.
 */
export * from './xds/index';
export * from './engine/index';
