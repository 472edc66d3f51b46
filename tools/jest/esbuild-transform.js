// Jest transformer: TypeScript → ESM with esbuild (already the bundler, so no second native
// toolchain). Types are checked by the `typecheck` target, not here.
import { transformSync } from 'esbuild';

export default {
  process(sourceText, sourcePath) {
    const { code, map } = transformSync(sourceText, {
      loader: 'ts',
      format: 'esm',
      target: 'node24',
      sourcefile: sourcePath,
      sourcemap: 'external',
    });
    return { code, map };
  },
};
