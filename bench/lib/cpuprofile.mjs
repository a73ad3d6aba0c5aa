// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and inclusive time of
// selected frames, so a profile can be read in a terminal.
import { readFileSync } from 'node:fs';

export function summarize(file, { top = 30, filterIdle = true } = {}) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfTicks = new Map();
  for (const s of p.samples) selfTicks.set(s, (selfTicks.get(s) ?? 0) + 1);
  const total = p.samples.length;
  const key = (n) => {
    const f = n.callFrame;
    const file = (f.url || '').replace(/^file:\/\//, '').replace(/.*node_modules\//, '~/').replace(/.*\/dist\//, 'dist/');
    return `${f.functionName || '(anonymous)'} ${file}${f.url ? ':' + (f.lineNumber + 1) : ''}`;
  };
  const self = new Map();
  const incl = new Map();
  for (const [id, ticks] of selfTicks) {
    const n = byId.get(id);
    self.set(key(n), (self.get(key(n)) ?? 0) + ticks);
    // inclusive: every distinct frame on the stack once
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(byId.get(cur));
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + ticks);
    }
  }
  const idle = ['(idle) ', '(program) ', '(garbage collector) '].reduce((a, k) => a + (self.get(k) ?? 0), 0);
  const busy = filterIdle ? total - (self.get('(idle) ') ?? 0) : total;
  const fmt = (m) =>
    [...m.entries()]
      .filter(([k]) => !filterIdle || k !== '(idle) ')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${((v / busy) * 100).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  return { total, busy, idle, self: fmt(self), inclusive: fmt(incl) };
}
