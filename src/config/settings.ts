/** How one setting is read: its environment variable, its default (from the settings before it) and its kind. */
export type Spec<C> = { env: string; def: (c: Partial<C>) => unknown; kind: 'string' | 'number' | 'boolean' | 'optional' | 'list' | 'duration' | 'object' };

const DURATION_UNITS: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };

/** Seconds from a number of seconds or a Go duration (`1h`, `1h30m`, `90s`), as the original's config. */
function parseDuration(raw: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw);
  const parts = [...raw.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== raw) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (DURATION_UNITS[p[2] as string] ?? 0), 0);
}

export class ConfigError extends Error {}

export function coerce(key: string, spec: Spec<unknown>, raw: unknown): unknown {
  if (raw === undefined || raw === null || raw === '') return undefined;
  switch (spec.kind) {
    case 'number': {
      const n = typeof raw === 'number' ? raw : Number(String(raw));
      if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${key} (${spec.env}) must be a non-negative number`);
      return n;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      return ['1', 't', 'true', 'yes', 'on'].includes(String(raw).toLowerCase());
    case 'list':
      if (Array.isArray(raw)) return raw.map(String);
      return String(raw).split(',').map((v) => v.trim()).filter(Boolean);
    case 'duration': {
      const n = typeof raw === 'number' ? raw : parseDuration(String(raw).trim());
      if (n === undefined || !Number.isFinite(n) || n < 0) throw new ConfigError(`${key} (${spec.env}) must be seconds or a duration such as 1h or 30m`);
      return n;
    }
    case 'object':
      if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${key} must be an object`);
      return raw;
    default:
      return String(raw);
  }
}

