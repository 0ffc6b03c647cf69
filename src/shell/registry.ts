// The shell's commands: one import and one entry per command (DNS tools, iptables and conntrack
// join the same way). Names not listed here are `NAME: command not found` (127), as in bash.
import type { ShellCommand } from './command.ts';
import { ipCommand } from './commands/ip.ts';
import { pingCommand } from './commands/ping.ts';
import { arpCommand } from './commands/arp.ts';
import { routeCommand } from './commands/route.ts';
import { bridgeCommand } from './commands/bridge.ts';
import { sysctlCommand } from './commands/sysctl.ts';
import { hostnameCommand } from './commands/hostname.ts';
import { catCommand, echoCommand } from './commands/files.ts';
import { grepCommand, headCommand, tailCommand } from './commands/text.ts';
import { digCommand } from './commands/dig.ts';
import { nslookupCommand } from './commands/nslookup.ts';
import { hostCommand } from './commands/host.ts';
import { dnsServerCommand } from './commands/dns-server.ts';
import { iptablesCommand, iptablesSaveCommand } from './commands/iptables.ts';
import { conntrackCommand } from './commands/conntrack.ts';
import { weaveCommand } from './commands/weave.ts';
import { trueCommand, falseCommand, colonCommand, sleepCommand, setCommand, exitCommand, exportCommand, unsetCommand, helpCommand } from './commands/builtins.ts';

export const shellCommands: ShellCommand[] = [
  ipCommand,
  pingCommand,
  arpCommand,
  routeCommand,
  bridgeCommand,
  sysctlCommand,
  hostnameCommand,
  catCommand,
  echoCommand,
  grepCommand,
  headCommand,
  tailCommand,
  trueCommand,
  falseCommand,
  colonCommand,
  sleepCommand,
  setCommand,
  exitCommand,
  exportCommand,
  unsetCommand,
  helpCommand,
  digCommand,
  nslookupCommand,
  hostCommand,
  dnsServerCommand,
  iptablesCommand,
  iptablesSaveCommand,
  conntrackCommand,
  weaveCommand,
];

const byName = new Map(shellCommands.map((c) => [c.name, c]));

export function findCommand(name: string): ShellCommand | undefined {
  return byName.get(name);
}
