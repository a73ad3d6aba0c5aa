import type { Logger } from 'pino';
import type { AuditRepo, EventRow } from '../store/audit.js';
import type { Filter } from './filter.js';
import type { Page } from './records/types.js';
import { validId } from './records/input.js';

export interface AuditEvent {
  userId: number | null;
  module: string;
  level: 'info' | 'warn' | 'error';
  message: string;
  data?: Record<string, unknown>;
  ip?: string | null;
  /** A record write (Feathers `events`): the service or table written, the record's id. */
  sourceTable?: string;
  event?: 'created' | 'updated' | 'patched' | 'removed' | 'custom';
  tableId?: number | null;
  previousUserId?: number | null;
}

/**
 * An audit entry as a Feathers `events` record: timestamps in epoch milliseconds; entries that
 * are no record write read as `event: 'custom'` with their message as `custom_event`.
 */
export type EventRecord = EventRow;

/** Sees every audited event, and the ones only noted; called synchronously, so it must be cheap. */
export type AuditObserver = (e: AuditEvent) => void;

/** Messages of events that observers (metrics) tell apart; the trail keeps their wording. */
export const AUDIT_REFRESH_REUSED = 'Refresh token reused; session ended';
export const AUDIT_REFRESH_ROTATED = 'Refresh token rotated';
/**
 * A password sign-in that did not come through an HTTP route (Feathers over socket.io), noted so
 * that metrics count it with its dialect; `data` is `{dialect, result}`.
 */
export const AUDIT_SOCKET_SIGN_IN = 'Password sign-in over a socket';

/** One audit trail for every dialect; a failed write is logged, never fails the request. */
export function auditLog(repo: AuditRepo, log: Logger) {
  const observers: AuditObserver[] = [];
  const tell = (e: AuditEvent) => {
    for (const o of observers) {
      try {
        o(e);
      } catch (err) {
        log.error({ err, module: e.module }, 'audit observer failed');
      }
    }
  };
  return {
    async record(e: AuditEvent): Promise<void> {
      tell(e);
      try {
        await repo.insert({
          user_id: e.userId,
          module: e.module,
          level: e.level,
          message: e.message,
          data: e.data ? JSON.stringify(e.data) : null,
          ip: e.ip ?? null,
          created_at: Date.now(),
          source_table: e.sourceTable ?? null,
          event: e.event ?? null,
          table_id: e.tableId ?? null,
          previous_user_id: e.previousUserId ?? null,
        });
      } catch (err) {
        log.error({ err, module: e.module }, 'audit write failed');
      }
    },
    /**
     * An event observers see but the trail does not keep: one too frequent to store a row for
     * (every refresh-token rotation), counted by metrics instead.
     */
    note(e: AuditEvent): void {
      if (observers.length) tell(e);
    },
    /** Adds an observer (metrics); the function returned removes it. */
    observe(o: AuditObserver): () => void {
      observers.push(o);
      return () => {
        const i = observers.indexOf(o);
        if (i >= 0) observers.splice(i, 1);
      };
    },
    forUser: (userId: number, limit: number, offset: number) => repo.forUser(userId, limit, offset),
    /** Entries as events records; a bad filter throws FilterError. */
    events: (filter: Filter): Promise<Page<EventRecord>> => repo.findEvents(filter),
    /** One entry as an events record; undefined for an unknown id. */
    event: async (id: number): Promise<EventRecord | undefined> => (validId(id) ? repo.getEvent(id) : undefined),
  };
}
export type AuditLog = ReturnType<typeof auditLog>;
