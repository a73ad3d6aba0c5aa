/** How one setting is read: its environment variable, its default (from the settings before it) and its kind. */
export type Spec<C> = { env: string; def: (c: Partial<C>) => unknown; kind: 'string' | 'number' | 'boolean' | 'optional' | 'list' | 'duration' | 'object' | 'json-list' };

const DURATION_UNITS: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };

/** Seconds from a number of seconds or a Go duration (`1h`, `1h30m`, `90s`), as the original's config. */
function parseDuration(raw: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw);
  const parts = [...raw.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== raw) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (DURATION_UNITS[p[2] as string] ?? 0), 0);
}

/** A setting that cannot be used; its message is one line naming the variable or key to fix. */
export class ConfigError extends Error {}

const TRUE = ['1', 't', 'true', 'yes', 'on'];
// `t`/`f` because simple-auth's SA_* variables took Go's strconv.ParseBool spellings.
const FALSE = ['0', 'f', 'false', 'no', 'off'];

/** A value as an error line quotes it: short, and never a whole (possibly secret) text. */
const shown = (raw: unknown): string => {
  const s = typeof raw === 'string' ? raw : JSON.stringify(raw) ?? String(raw);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 37)}...` : s);
};

/**
 * The typed value of one setting from its environment variable or config-file entry, undefined
 * when unset (empty). A malformed value throws a ConfigError naming `where`: the variable
 * (`TRUST_PROXY`) or the file and key (`config file gatehouse.json: trustProxy`).
 */
export function coerce(spec: Spec<unknown>, raw: unknown, where: string): unknown {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const fail = (what: string, quote = true): never => {
    throw new ConfigError(`${where} must be ${what}${quote ? `, not ${shown(raw)}` : ''}`);
  };
  switch (spec.kind) {
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw.trim()) : NaN;
      if (!Number.isFinite(n) || n < 0) fail('a non-negative number');
      return n;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const v = String(raw).trim().toLowerCase();
      if (typeof raw !== 'object' && TRUE.includes(v)) return true;
      if (typeof raw !== 'object' && FALSE.includes(v)) return false;
      return fail('true or false (also 1/0, yes/no, on/off)');
    }
    case 'list':
      if (Array.isArray(raw)) {
        if (raw.some((v) => typeof v === 'object' && v !== null)) fail('a list of texts', false);
        return raw.map(String);
      }
      if (typeof raw === 'object') fail('a list of texts or one comma-separated text', false);
      return String(raw).split(',').map((v) => v.trim()).filter(Boolean);
    case 'duration': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? parseDuration(raw.trim()) : undefined;
      if (n === undefined || !Number.isFinite(n) || n < 0) fail('seconds or a duration such as 1h or 30m');
      return n;
    }
    case 'object':
      if (typeof raw !== 'object' || Array.isArray(raw)) fail('an object', false);
      return raw;
    case 'json-list': {
      // A list from the config file, or the same list as JSON text in the environment. Never
      // quoted back: such lists carry client secrets.
      let list = raw;
      if (typeof raw === 'string') {
        try {
          list = JSON.parse(raw);
        } catch {
          fail('a JSON list', false);
        }
      }
      if (!Array.isArray(list)) fail('a list', false);
      return list;
    }
    default:
      if (typeof raw === 'object') fail('a text', false);
      return String(raw);
  }
}
