import { projectJestConfig } from '../../jest.preset.js';

// Each spec file starts real processes (pilot, gRPC backends, an xDS client) in beforeAll; every
// wait inside is bounded by its own deadline, well below this.
export default projectJestConfig(import.meta.url, { testTimeout: 60_000 });
