#!/usr/bin/env node
// The CLI is compiled to dist/ by `npm install` (the prepare script).
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

// The SQL parser is WebAssembly. By default V8 recompiles its busiest functions with its optimizing
// compiler on background threads, and the process waits for that work before it can exit: 0.1–0.2 s
// added to every command that checks a plan, for a parser that is as fast on its baseline code for
// the few statements a plan holds. Set before anything compiles the parser.
setFlagsFromString('--liftoff-only');
// Node 22.1+ keeps the compiled code of the ~350 modules a command loads (in its temp folder), so
// later starts skip compiling them; older Node has no such cache and goes on as before.
module.enableCompileCache?.();

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    'schemashift: dist/ is missing. Run `npm install` (or `npm run build`) in the schemashift folder first.\n',
  );
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
