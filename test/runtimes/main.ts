// The entry for runtimes that run a script (Node, Bun, Deno): runs the scenarios, prints the results as JSON.
import { runConformance } from './conformance.ts';
import type { World } from './world.ts';

/** Set by the bundler (esbuild's `define`): the only way in that every runtime has in common. */
declare const WORLD: World;

console.log(JSON.stringify(await runConformance(WORLD)));
