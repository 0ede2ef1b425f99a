// The entry for workerd: a Worker whose one request runs the scenarios and answers with the results.
import { runConformance } from './conformance.ts';
import type { World } from './world.ts';

/** Set by the bundler (esbuild's `define`), as for ./main.ts. */
declare const WORLD: World;

export default {
  async fetch(): Promise<Response> {
    return Response.json(await runConformance(WORLD));
  },
};
