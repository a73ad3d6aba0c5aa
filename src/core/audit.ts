import type { Logger } from 'pino';
import type { AuditRepo } from '../store/audit.js';

export interface AuditEvent {
  userId: number | null;
  module: string;
  level: 'info' | 'warn' | 'error';
  message: string;
  data?: Record<string, unknown>;
  ip?: string | null;
}

/** One audit trail for every dialect; a failed write is logged, never fails the request. */
export function auditLog(repo: AuditRepo, log: Logger) {
  return {
    async record(e: AuditEvent): Promise<void> {
      try {
        await repo.insert({
          user_id: e.userId,
          module: e.module,
          level: e.level,
          message: e.message,
          data: e.data ? JSON.stringify(e.data) : null,
          ip: e.ip ?? null,
          created_at: Date.now(),
        });
      } catch (err) {
        log.error({ err, module: e.module }, 'audit write failed');
      }
    },
    forUser: (userId: number, limit: number, offset: number) => repo.forUser(userId, limit, offset),
  };
}
export type AuditLog = ReturnType<typeof auditLog>;
