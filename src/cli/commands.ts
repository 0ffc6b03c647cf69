// Registry of CLI commands: one import and one entry per command, nothing else.
import type { Command } from './command.ts';
import { dnsCommand } from './commands/dns.ts';

export const commands: Command[] = [
  dnsCommand,
];
