// The entry for workerd: a Worker whose one request runs the scenarios and answers with the results. It
// bundles axios's browser build, as a Worker's bundler does (its fetch adapter: a Worker has no XMLHttpRequest
// and no node:http); undici it cannot have (see its scenario).
import axios from 'axios';
import { runConformance } from './conformance.ts';
import type { World } from './world.ts';

/** Set by the bundler (esbuild's `define`), as for ./main.ts. */
declare const WORLD: World;

export default {
  async fetch(): Promise<Response> {
    return Response.json(await runConformance({ ...WORLD, axios }));
  },
};
