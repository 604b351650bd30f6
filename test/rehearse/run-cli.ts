/** The CLI from source, for tests that need a separate process (signals): `node --import tsx test/rehearse/run-cli.ts ARGS`. */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
