// Process entry for the `wirestack` binary (kept apart from main.ts so tests can import main).
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
