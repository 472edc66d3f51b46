/** Replaced at bundle time by tools/build/bundle-app.ts with the workspace's package.json version. */
declare const __MESH_VERSION__: string | undefined;

/** The version of this build, or "dev" when running from sources (tests, tools). */
export function meshVersion(): string {
  return typeof __MESH_VERSION__ === 'string' ? __MESH_VERSION__ : 'dev';
}
