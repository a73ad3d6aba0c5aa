import { randomBytes } from 'node:crypto';
import { Failure, need, seconds, str, UsageError, type Command, type Group } from './command.js';
import { readSecret, secretOptions } from './secrets.js';

const create: Command = {
  name: 'client create',
  summary: 'add an ARC client (the client_id/client_secret apps sign in through)',
  synopsis: '--client-id ID [--client-secret-stdin | --client-secret-file F] [--secret-file F] [--redirect-url URL] [...]',
  options: {
    'client-id': { type: 'string', value: 'ID', help: 'the client_id apps send (required)' },
    ...secretOptions('client-secret', 'the client_secret apps send'),
    ...secretOptions('secret', 'the key that signs its authorization codes'),
    'redirect-url': { type: 'string', value: 'URL', help: 'where social sign-ins return (?code=…)' },
    'access-token-expiration': { type: 'string', value: 'SEC', help: 'access-token lifetime in seconds (default 900)' },
    'refresh-token-expiration': { type: 'string', value: 'SEC', help: 'refresh-token lifetime in seconds (default 86400)' },
    'auth-code-expiration': { type: 'string', value: 'SEC', help: 'authorization-code lifetime in seconds (default 180)' },
  },
  notes: ['A secret left out is generated and printed once, in this output only: keep it, it is not shown again (client list never shows secrets).'],
  async run({ values: v, withCore }) {
    const clientId = need(v, 'client-id');
    const chosenClientSecret = await readSecret(v, 'client-secret');
    const chosenSecret = await readSecret(v, 'secret');
    const accessTokenExpiration = seconds(v, 'access-token-expiration', 900);
    const refreshTokenExpiration = seconds(v, 'refresh-token-expiration', 86400);
    const authCodeExpiration = seconds(v, 'auth-code-expiration', 180);
    // A secret the caller did not choose is generated and shown in this output only, as the
    // first start shows the default client's: nothing else ever prints it.
    const clientSecret = chosenClientSecret ?? randomBytes(24).toString('base64url');
    const secret = chosenSecret ?? randomBytes(32).toString('base64url');
    const generated = { ...(chosenClientSecret === undefined && { clientSecret }), ...(chosenSecret === undefined && { secret }) };
    const c = await withCore((core) =>
      core.clients.create({ clientId, clientSecret, secret, redirectUrl: str(v, 'redirect-url') ?? null, accessTokenExpiration, refreshTokenExpiration, authCodeExpiration }),
    );
    if (Object.keys(generated).length) process.stderr.write('gatehouse: generated secrets are printed once, below: keep them, they are not shown again\n');
    return { id: c.id, clientId: c.clientId, ...generated, redirectUrl: c.redirectUrl, accessTokenExpiration: c.accessTokenExpiration, refreshTokenExpiration: c.refreshTokenExpiration, authCodeExpiration: c.authCodeExpiration };
  },
};

const list: Command = {
  name: 'client list',
  summary: 'list ARC clients (never their secrets)',
  async run({ withCore }) {
    return withCore(async (core) => (await core.clients.list()).map((c) => ({ id: c.id, clientId: c.clientId, redirectUrl: c.redirectUrl })));
  },
};

const remove: Command = {
  name: 'client delete',
  summary: 'remove an ARC client',
  synopsis: '<client-id> | --client-id ID',
  positionals: ['<client-id>'],
  options: { 'client-id': { type: 'string', value: 'ID', help: 'the client to remove (or give it as the argument)' } },
  async run({ values: v, positionals, withCore }) {
    const id = positionals[0] ?? str(v, 'client-id');
    if (!id) throw new UsageError('give the client id: gatehouse client delete <client-id>');
    return withCore(async (core) => {
      const c = await core.clients.byClientId(id);
      if (!c) throw new Failure(`no client ${id}`);
      await core.clients.remove(c.id, 'cli');
      return { deleted: c.clientId };
    });
  },
};

export const clientGroup: Group = { name: 'client', summary: 'ARC clients (client_id and client_secret of the apps that sign users in)', commands: [create, list, remove] };
