import { projectJestConfig } from '../../jest.preset.js';

// Each spec file starts its own kube-apiserver + etcd (about 5 s) in beforeAll; waits inside the
// tests are bounded by their own deadlines, well below this.
export default projectJestConfig(import.meta.url, { testTimeout: 60_000 });
