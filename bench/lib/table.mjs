// The one table: every figure beside its ratio to its ceiling, and whether its target is met.
const fmtRate = (x) => (x === null || x === undefined ? '—' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
const fmtMs = (x) => (x === null || x === undefined ? '—' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(0)}%`);
export const kib = (b) => (b === null || b === undefined ? '—' : `${(b / 1024).toFixed(b < 10240 ? 2 : 0)} KiB`);
export const mib = (b) => (b === null || b === undefined ? '—' : `${(b / 1048576).toFixed(1)} MiB`);

function grid(header, rows) {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i >= 3 && i <= 7 ? String(c).padStart(w[i]) : String(c).padEnd(w[i]))).join('  ').trimEnd();
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/** One row per measured (or unavailable) figure. */
export function render(results) {
  const rows = [];
  for (const r of results.rows) {
    const ratio = r.ratio === null || r.ratio === undefined ? '—' : `${pct(r.ratio)} of ${r.ceilingName}`;
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
      r.verdict ?? '',
    ]);
  }
  const out = [];
  out.push(`Gatehouse benchmark — ${results.machine.summary}`);
  out.push(`${results.settings.summary}`);
  out.push('');
  out.push(grid(['scenario', 'system', 'operation', 'ops/s', 'vs ceiling', 'p50 ms', 'p99 ms', 'errors', 'target'], rows));
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
    out.push('Scale (rate with users in the store; both servers up, measured in turn twice, means)');
    const srows = s.rows.map((x) => [x.label, fmtRate(x.rate10k), fmtRate(x.rate1m), x.ratio === null ? '—' : pct(x.ratio), x.verdict ?? '']);
    for (const st of Object.values(s.stores ?? {})) srows.push([`  server with ${st.users.toLocaleString('en-US')} users`, `started in ${st.startSeconds.toFixed(1)} s`, `RSS ${mib(st.rss)}`, '', '']);
    if (s.error) srows.push(['error', s.error, '', '', '']);
    const big = (s.users ?? 1_000_000).toLocaleString('en-US');
    out.push(grid(['scenario', '10,000 users', `${big} users`, `${big} / 10,000`, 'target'], srows));
  }
  if (results.notes?.length) {
    out.push('');
    for (const n of results.notes) out.push(`note: ${n}`);
  }
  return out.join('\n');
}
