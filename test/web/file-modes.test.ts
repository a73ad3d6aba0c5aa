/**
 * Item 7 of issue 9: what an embedded install writes to disk is readable by its owner only:
 * the data directory Gatehouse creates, the SQLite database with its -wal and -shm files, the
 * generated keys (whoever reads them can forge every token) and the mail outbox (one-time links).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type TestServer } from '../support/server.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('files and directories an embedded start creates', () => {
  const parent = mkdtempSync(join(tmpdir(), 'gatehouse-modes-'));
  const data = join(parent, 'not', 'yet', 'there');
  let srv: TestServer;

  beforeAll(async () => {
    // Keys are left empty so that the start generates and stores them.
    srv = await startServer({ dataDir: data, databaseUrl: `sqlite:${join(data, 'gatehouse.db')}`, jwtSecret: '', secretKey: '', simpleCookieSigningKey: '' });
    await srv.core.accounts.create({ username: 'modesuser', password: 'modes-pass', email: 'modes@example.com' });
    expect((await client(srv.url)('GET', '/health')).status).toBe(200);
    await srv.core.mail.send({ to: 'modes@example.com', subject: 'mode check', text: 'a one-time link' });
  });
  afterAll(async () => {
    await srv?.close();
    rmSync(parent, { recursive: true, force: true });
  });

  it('the generated key files are 0600, in a data directory that is 0700 with the ones it created above it', () => {
    for (const f of ['jwt-secret', 'secret-key', 'session-key']) expect([f, mode(join(data, f))]).toEqual([f, 0o600]);
    expect(mode(data)).toBe(0o700);
    expect(mode(join(parent, 'not'))).toBe(0o700);
  });

  it('the database and its -wal and -shm files are 0600', () => {
    for (const f of ['gatehouse.db', 'gatehouse.db-wal', 'gatehouse.db-shm']) expect([f, mode(join(data, f))]).toEqual([f, 0o600]);
  });

  it('the outbox is 0700 and its .eml files 0600', () => {
    const outbox = join(data, 'outbox');
    expect(mode(outbox)).toBe(0o700);
    const mails = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    expect(mails).toHaveLength(1);
    expect(mode(join(outbox, mails[0] as string))).toBe(0o600);
  });
});
