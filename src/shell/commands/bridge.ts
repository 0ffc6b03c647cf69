// iproute2 `bridge fdb [show] [br BR] [dev DEV]` and `bridge link [show] [dev DEV]`, with
// iproute2's object/command abbreviations and wording for unknown ones.
import type { Ctx, ShellCommand } from '../command.ts';
import { matches, outLines } from '../command.ts';
import { fdbModifyVxlan } from './bridge-fdb-vxlan.ts';

const USAGE = `Usage: bridge [ OPTIONS ] OBJECT { COMMAND | help }
where  OBJECT := { link | fdb | mdb | vlan | vni | monitor }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] |
                    -o[neline] | -t[imestamp] | -n[etns] name |
                    -j[son] | -p[retty] | -c[olor] }
`;

function filter(ctx: Ctx, args: string[], obj: string): { br?: string; dev?: string } | number {
  const f: { br?: string; dev?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const v = args[i + 1];
    if (w === 'br' || w === 'brport' || w === 'dev') {
      if (v === undefined) {
        ctx.err('Command line is not complete. Try option "help"\n');
        return 255;
      }
      if (!ctx.ns.dev(v)) {
        ctx.err(w === 'br' ? `Cannot find bridge device "${v}"\n` : `Cannot find device "${v}"\n`);
        return w === 'br' ? 255 : 1;
      }
      if (w === 'br') f.br = v;
      else f.dev = v;
      i++;
    } else {
      ctx.err(obj === 'fdb' ? `Error: either "dev" is duplicate, or "${w}" is a garbage.\n` : `Error: either "dev" is duplicate, or "${w}" is a garbage.\n`);
      return 255;
    }
  }
  return f;
}

async function run(ctx: Ctx, argv: string[]): Promise<number> {
  const a = argv.slice(1);
  let ns = ctx.ns;
  while (a.length && a[0]!.startsWith('-')) {
    const o = a.shift()!;
    if (matches(o, '-netns')) {
      const name = a.shift();
      const t = name !== undefined ? ctx.session.lab.netnsOrNull(name) : null;
      if (!t || t === ctx.session.lab.root) {
        ctx.err(`Cannot open network namespace "${name}": No such file or directory\n`);
        return 255;
      }
      ns = t;
    } else if (matches(o, '-statistics') || matches(o, '-details') || matches(o, '-color')) continue;
    else {
      ctx.err(`Option "${o}" is unknown, try "bridge help".\n`);
      return 255;
    }
  }
  const c: Ctx = { ...ctx, ns };
  const obj = a[0];
  if (obj === undefined) {
    ctx.err(USAGE);
    return 255;
  }
  const cmd = a[1];
  const rest = a.slice(2);
  if (matches(obj, 'fdb')) {
    if (cmd !== undefined && !matches(cmd, 'show') && !matches(cmd, 'list')) {
      // add/append/replace/del on a vxlan device's own FDB (bridge-fdb-vxlan.ts)
      const op = (['add', 'append', 'replace', 'delete'] as const).find((x) => matches(cmd, x));
      if (op) {
        const r = fdbModifyVxlan(c, op, rest);
        if (r !== null) return r;
      }
      if (['add', 'append', 'del', 'delete', 'replace', 'get', 'flush'].some((x) => matches(cmd, x))) {
        ctx.err(`wirestack: "bridge fdb ${cmd}" is not modelled\n`);
        return 1;
      }
      ctx.err(`Command "${cmd}" is unknown, try "bridge fdb help".\n`);
      return 255;
    }
    const f = filter(c, rest, 'fdb');
    if (typeof f === 'number') return f;
    // with `dev D` iproute2 leaves ` dev D` out of each line
    const lines = ns.bridgeFdb().filter((l) => (f.dev === undefined || l.includes(` dev ${f.dev} `)) && (f.br === undefined || l.includes(` master ${f.br}`)));
    outLines(ctx, f.dev === undefined ? lines : lines.map((l) => l.replace(` dev ${f.dev} `, ' ')));
    return 0;
  }
  if (matches(obj, 'link')) {
    if (cmd !== undefined && !matches(cmd, 'show') && !matches(cmd, 'list')) {
      if (cmd === 'set') {
        ctx.err('wirestack: "bridge link set" is not modelled\n');
        return 1;
      }
      ctx.err(`Command "${cmd}" is unknown, try "bridge link help".\n`);
      return 255;
    }
    const f = filter(c, rest, 'link');
    if (typeof f === 'number') return f;
    outLines(ctx, ns.bridgeLink().filter((l) => f.dev === undefined || l.split(' ')[1]!.replace(/[:@].*$/, '') === f.dev));
    return 0;
  }
  if (matches(obj, 'help')) {
    ctx.err(USAGE);
    return 255;
  }
  if (['mdb', 'vlan', 'vni', 'monitor'].some((x) => matches(obj, x))) {
    ctx.err(`wirestack: "bridge ${obj}" is not modelled\n`);
    return 1;
  }
  ctx.err(`Object "${obj}" is unknown, try "bridge help".\n`);
  return 255;
}

export const bridgeCommand: ShellCommand = { name: 'bridge', summary: 'show bridge forwarding database and ports (iproute2)', run };
