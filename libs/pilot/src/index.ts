/**
 * @mesh/pilot: the control plane's xDS side. For now the ADS server (`xds-server/`); the
 * translation generators (`generators/`) plug into its GeneratorRegistry.
 */
export * from './xds-server';
