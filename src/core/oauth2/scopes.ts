/** Scopes: lower-cased, split on whitespace, duplicates dropped. */
export const parseScopes = (s: string | undefined | null): string[] => [...new Set((s ?? '').toLowerCase().split(/\s+/).filter(Boolean))];

export const containsAll = (have: string[], want: string[]): boolean => want.every((w) => have.includes(w));

/** Set equality (simple-auth `Matches`). */
export const matches = (a: string[], b: string[]): boolean => containsAll(a, b) && containsAll(b, a);
