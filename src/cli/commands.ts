// Registry of CLI commands: one import and one entry per command, nothing else.
import type { Command } from './command.ts';
import { dnsCommand } from './commands/dns.ts';
import { craftCommand } from './commands/craft.ts';
import { inspectCommand } from './commands/inspect.ts';
import { demoCommand } from './commands/demo.ts';
import { runCommand } from './commands/run.ts';
import { tapCommand } from './commands/tap.ts';
import { shellCommand } from './commands/shell.ts';

export const commands: Command[] = [
  dnsCommand,
  craftCommand,
  inspectCommand,
  demoCommand,
  runCommand,
  shellCommand,
  tapCommand,
];
