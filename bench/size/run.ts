/**
 * `npm run bench:size`: the bundle sizes of `npm run bench` alone, in a few seconds, and the check that
 * oauth-ccg's optional entry points and lazily loaded dependencies stay out of its client_secret path's
 * start-up chunks (exit code 1 when one does not).
 */
import { describeOptionalModules, measureBundles, optionalModulesInCore, sizeTable } from './size.ts';

const found = await optionalModulesInCore('dist/esm');
console.log(`${sizeTable(await measureBundles('dist/esm'))}\n\n${describeOptionalModules(found).join('\n')}`);
if (Object.values(found).some((modules) => modules.length > 0)) process.exitCode = 1;
