/** Text output: an object as `key=value` pairs on one line; a list as an aligned table. */
export function print(result: unknown, json: boolean): void {
  if (result === undefined) return;
  if (json) return void process.stdout.write(JSON.stringify(result) + '\n');
  if (Array.isArray(result)) return void process.stdout.write(table(result as Record<string, unknown>[]));
  process.stdout.write(
    Object.entries(result as object)
      .map(([k, v]) => `${k}=${cell(v)}`)
      .join('  ') + '\n',
  );
}

const cell = (v: unknown): string => (v === null || v === undefined ? '' : Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v));

function table(rows: Record<string, unknown>[]): string {
  if (!rows.length) return '';
  const keys = Object.keys(rows[0] ?? {});
  const cells = [keys, ...rows.map((r) => keys.map((k) => cell(r[k]) || '-'))];
  const widths = keys.map((_, i) => Math.max(...cells.map((c) => (c[i] ?? '').length)));
  return cells.map((c) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}
