// The one table: every figure beside its ratio to its ceiling, and whether its target is met.
const fmtRate = (x) => (x === null || x === undefined ? '—' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
const fmtMs = (x) => (x === null || x === undefined ? '—' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(0)}%`);
/** The median ratio with the min–max of the per-round ratios: `68% (61–72%)`. */
const ratioRange = (r) => {
  if (r.ratio === null || r.ratio === undefined) return '—';
  if (r.ratioMin === null || r.ratioMin === undefined || r.ratios?.length < 2) return pct(r.ratio);
  return `${pct(r.ratio)} (${(r.ratioMin * 100).toFixed(0)}–${(r.ratioMax * 100).toFixed(0)}%)`;
};
/** The spread of the ceiling's samples (max/min − 1), and the mark when it is above the threshold. */
const spreadCell = (r) => (r.ceilingSpread === null || r.ceilingSpread === undefined ? '' : `${(r.ceilingSpread * 100).toFixed(r.ceilingSpread < 1 ? 1 : 0)}%${r.unreliable ? ' UNRELIABLE' : ''}`);
export const kib = (b) => (b === null || b === undefined ? '—' : `${(b / 1024).toFixed(b < 10240 ? 2 : 0)} KiB`);
export const mib = (b) => (b === null || b === undefined ? '—' : `${(b / 1048576).toFixed(1)} MiB`);

function grid(header, rows, right = [3, 4, 5, 6, 7]) {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (right.includes(i) ? String(c).padStart(w[i]) : String(c).padEnd(w[i]))).join('  ').trimEnd();
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/** One row per measured (or unavailable) figure. */
export function render(results) {
  const rows = [];
  for (const r of results.rows) {
    const ratio = r.ratio === null || r.ratio === undefined ? '—' : `${ratioRange(r)} of ${r.ceilingName}`;
    const status = r.status === 'ok' ? '' : r.status;
    rows.push([
      r.label,
      r.system,
      r.operation,
      r.status === 'ok' ? fmtRate(r.rate) : status,
      r.status === 'ok' ? ratio : '',
      r.status === 'ok' ? fmtMs(r.p50) : '',
      r.status === 'ok' ? fmtMs(r.p99) : '',
      r.status === 'ok' ? String(r.errors ?? 0) : '',
      r.status === 'ok' ? spreadCell(r) : '',
      r.verdict ?? '',
    ]);
  }
  const rounds = results.settings.rounds;
  const limit = `${Math.round((results.unreliableSpread ?? 0.1) * 100)}%`;
  const unreliable = results.unreliableRows ?? [];
  const out = [];
  out.push(`Gatehouse benchmark — ${results.machine.summary}`);
  out.push(`${results.settings.summary}`);
  out.push('');
  out.push(grid(['scenario', 'system', 'operation', 'ops/s', 'vs ceiling', 'p50 ms', 'p99 ms', 'errors', 'ceiling spread', 'target'], rows));
  out.push('');
  out.push(
    `Each scenario ran in ${rounds} alternating rounds with its ceiling (ceiling, scenario, ceiling, scenario, …). ops/s, p50 and p99 are medians of its ${rounds} samples; ` +
      `"vs ceiling" is the median of the per-round ratios (each scenario sample ÷ the ceiling sample just before it), with their min–max in brackets; targets are judged on that median.`,
  );
  out.push(
    `ceiling spread: max/min − 1 of the ceiling's samples in that row's rounds (on a ceiling's own row: of all its samples in the run, for information). ` +
      `Above ${limit} the row is marked UNRELIABLE: the machine's speed moved while it was measured, so its ratio and target verdict are not to be trusted; rerun on a quiet machine.`,
  );
  const judged = results.rows.filter((r) => r.status === 'ok' && r.group !== 'ceiling' && r.ceilingSpread !== null && r.ceilingSpread !== undefined).length;
  if (unreliable.length) out.push(`UNRELIABLE in this run (ceiling samples more than ${limit} apart): ${unreliable.join('; ')}.`);
  else if (judged) out.push(`No row of this run is unreliable (every ceiling within ${limit} over its rounds).`);
  const costed = results.rows.filter((r) => r.status === 'ok' && r.costs);
  if (costed.length) {
    out.push('');
    out.push('Per-operation costs (medians over the measured windows; CPU from /proc, all threads; PostgreSQL: its backends serving the database, and WAL written server-wide)');
    const f = (x, d = 3) => (x === null || x === undefined ? '—' : x.toFixed(d));
    // A scenario whose ceiling has costs too (refresh: the rotation statements) gets the ratio of
    // their CPU per operation, node + database: what the rate ratio would be if CPU were the only bound.
    const total = (c) => (c?.nodeCpuMsPerOp ?? 0) + (c?.dbCpuMsPerOp ?? 0);
    const cpuRatio = (r) => {
      const c = results.rows.find((x) => x.group === 'ceiling' && x.ceilingOf === r.ceilingName && x.costs);
      return c && r.group !== 'ceiling' && total(r.costs) > 0 ? `${((100 * total(c.costs)) / total(r.costs)).toFixed(0)}%` : '';
    };
    out.push(
      grid(
        ['scenario', 'system', 'node CPU ms/op', 'DB CPU ms/op', 'WAL bytes/op', "ceiling's CPU/op ÷ this"],
        costed.map((r) => [r.label, r.system, f(r.costs.nodeCpuMsPerOp), f(r.costs.dbCpuMsPerOp), r.costs.walBytesPerOp === null || r.costs.walBytesPerOp === undefined ? '—' : Math.round(r.costs.walBytesPerOp).toLocaleString('en-US'), cpuRatio(r)]),
        [2, 3, 4, 5],
      ),
    );
  }
  if (results.memory) {
    const m = results.memory;
    out.push('');
    out.push('Memory (resident set of the Gatehouse process)');
    const mrows = [
      ['idle, 10,000 users, no sessions', mib(m.idleRss), ''],
      [`${m.sessions.toLocaleString('en-US')} live sessions seeded, just started`, mib(m.startedRss), ''],
      [`after each of them was refreshed through the API (${m.revocations?.toLocaleString('en-US') ?? '?'} revoked access tokens held)`, mib(m.servedRss), ''],
      ['restarted on that store (revocations reloaded)', mib(m.restartedRss), ''],
      ['per live session (served − idle) / sessions', kib(m.perSession), m.verdict ?? ''],
    ];
    if (m.error) mrows.push(['error', m.error, '']);
    out.push(grid(['state', 'RSS', 'target'], mrows));
  }
  if (results.scale) {
    const s = results.scale;
    out.push('');
    out.push(`Scale (rate with users in the store; both servers up, measured in ${rounds} alternating rounds, 10,000 then ${(s.users ?? 1_000_000).toLocaleString('en-US')}; medians, ratio = median of the per-round ratios (min–max); spread of the 10,000-user samples, UNRELIABLE above ${limit})`);
    const srows = s.rows.map((x) => [x.label, fmtRate(x.rate10k), fmtRate(x.rate1m), ratioRange(x), spreadCell(x), x.verdict ?? '']);
    for (const st of Object.values(s.stores ?? {})) srows.push([`  server with ${st.users.toLocaleString('en-US')} users`, `started in ${st.startSeconds.toFixed(1)} s`, `RSS ${mib(st.rss)}`, '', '', '']);
    if (s.error) srows.push(['error', s.error, '', '', '', '']);
    const big = (s.users ?? 1_000_000).toLocaleString('en-US');
    out.push(grid(['scenario', '10,000 users', `${big} users`, `${big} / 10,000`, '10,000 spread', 'target'], srows, [3]));
  }
  if (results.notes?.length) {
    out.push('');
    for (const n of results.notes) out.push(`note: ${n}`);
  }
  return out.join('\n');
}
