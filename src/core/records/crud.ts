import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Database } from '../../store/schema.js';
import { isForeignKeyViolation, isUniqueViolation, type Q, type TableRepo } from '../../store/records/index.js';
import { CoreError, fail } from '../errors.js';
import { readInput, validId, type Mode, type Rules } from './input.js';
import type { Records } from './types.js';

/** What makes one kind of record: its table, its input rules and the rules of its writes. */
export interface Kind<T, In, V, Tab extends keyof Database> {
  repo: TableRepo<V, Tab>;
  rules: Rules<In>;
  /** The input field a unique violation of this table is about (slug, or the second half of a pair). */
  unique: string;
  out(v: V): T;
  /**
   * The columns to write for checked input (a patch's: only those given), timestamps aside.
   * Checks what the input references and fails with 'invalid_input' naming the field.
   */
  row(trx: Q, v: Partial<In>, mode: Mode, current: V | undefined): Promise<Updateable<Database[Tab]>>;
  /** In the write's transaction, after an update or patch. */
  afterWrite?(trx: Q, before: V, after: V, now: number): Promise<void>;
  /** In the removal's transaction, before the row goes: throws to refuse. */
  beforeRemove?(trx: Q, current: V): Promise<void>;
}

/**
 * Records over one kind. Every write is one transaction (checks, the row, what follows it), so
 * a failure leaves nothing half written; the constraints have the last word on races: a unique
 * index → 'taken', a foreign key → 'invalid_input' on a write (a referenced row went away
 * meanwhile) and 'conflict' on a removal (the row is still referenced).
 */
export function crud<T, In, V, Tab extends keyof Database>(db: Kysely<Database>, kind: Kind<T, In, V, Tab>): Records<T, In> {
  const { repo } = kind;
  async function tx<R>(removal: boolean, work: (trx: Q) => Promise<R>): Promise<R> {
    try {
      return await db.transaction().execute(work);
    } catch (e) {
      if (e instanceof CoreError) throw e;
      if (isUniqueViolation(e)) fail('taken', `${kind.unique} already exists`, { field: kind.unique });
      if (isForeignKeyViolation(e)) fail(removal ? 'conflict' : 'invalid_input', removal ? 'the record is still in use' : 'a referenced record does not exist');
      throw e;
    }
  }
  async function write(id: number, data: unknown, mode: 'update' | 'patch'): Promise<T | undefined> {
    const v = readInput(kind.rules, data, mode);
    if (!validId(id)) return undefined;
    return tx(false, async (trx) => {
      const before = await repo.get(trx, id);
      if (!before) return undefined;
      const now = Date.now();
      const row = await kind.row(trx, v, mode, before);
      if (!(await repo.update(trx, id, { ...row, updated_at: now }))) return undefined;
      const after = (await repo.get(trx, id)) as V;
      await kind.afterWrite?.(trx, before, after, now);
      return kind.out(after);
    });
  }
  return {
    async find(filter) {
      const page = await repo.find(filter);
      return { total: page.total, data: page.data.map((r) => kind.out(r)) };
    },
    async get(id) {
      if (!validId(id)) return undefined;
      const r = await repo.get(db, id);
      return r && kind.out(r);
    },
    async create(data) {
      const v = readInput(kind.rules, data, 'create');
      return tx(false, async (trx) => {
        const now = Date.now();
        const row = await kind.row(trx, v, 'create', undefined);
        // row() returns every column on create: the input rules required what the table does.
        const id = await repo.insert(trx, { ...row, created_at: now, updated_at: now } as unknown as Insertable<Database[Tab]>);
        return kind.out((await repo.get(trx, id)) as V);
      });
    },
    update: (id, data) => write(id, data, 'update'),
    patch: (id, data) => write(id, data, 'patch'),
    async remove(id) {
      if (!validId(id)) return undefined;
      return tx(true, async (trx) => {
        const current = await repo.get(trx, id);
        if (!current) return undefined;
        await kind.beforeRemove?.(trx, current);
        return (await repo.remove(trx, id)) ? kind.out(current) : undefined;
      });
    },
  };
}
