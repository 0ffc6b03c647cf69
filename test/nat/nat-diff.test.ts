// The NAT differential suite: every examples/nat/*.sh under real bash in throwaway kernel namespaces
// and under wirestack, the flows of its `#@` directives driven on both sides (test/nat/nat-diff.ts).
// Each script's expectations (`=> …`) are checked against the kernel, so an agreement of two broken
// sides cannot pass; then the lab must observe what the kernel observed, step by step.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { needPeer } from '../helpers/peers.ts';
import { parseScenario, kernelRun, labRun, comparable, labelOf, normalisePorts } from './nat-diff.ts';

const dir = new URL('../../examples/nat/', import.meta.url);
const only = process.env.NAT_DIFF_ONLY;
const files = readdirSync(dir).filter((f) => /^\d+-.*\.sh$/.test(f) && (!only || f.includes(only))).sort();

for (const f of files) {
  t.test(f, async (t) => {
    if (!needPeer(t, 'netns', 'iptables')) return;
    const sc = parseScenario(readFileSync(new URL(f, dir), 'utf8'));
    const k = kernelRun(sc);
    t.equal(k.setupErrors, '', 'kernel: every setup line succeeds');
    const l = await labRun(sc);
    t.equal(l.setupErrors, '', 'lab: every setup line succeeds');
    const kc = comparable(sc, k.obs);
    if (process.env.NAT_DIFF_DEBUG) console.error(JSON.stringify(kc, null, 1));
    const lc = comparable(sc, l.obs);
    sc.steps.forEach((st, i) => {
      if (st.kind === 'udp' && st.expect !== null) t.equal(kc.steps[i], normalisePorts(sc, st.expect), `kernel as the script says: ${labelOf(st)}`);
    });
    for (const e of sc.expectServers) t.equal(kc.servers[e.key], e.list.join(' '), `kernel server ${e.key} saw what the script says`);
    for (const v of sc.servers) if (v.mode === 'count') t.equal(kc.servers[`${v.ns}:${v.port}`], 'hit', `kernel: backend ${v.ns} hit`);
    sc.steps.forEach((st, i) => {
      if (st.kind !== 'sleep') t.equal(lc.steps[i], kc.steps[i], `lab = kernel: ${labelOf(st)}`);
    });
    t.same(lc.servers, kc.servers, 'lab = kernel: what each server saw');
  });
}
