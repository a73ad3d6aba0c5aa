import { readFileSync } from 'node:fs';
import type { Core } from '../core/index.js';
import { bool, Failure, list, need, str, UsageError, type Command, type Group } from './command.js';
import { readSecret, secretOptions } from './secrets.js';

type OAuth2Client = Awaited<ReturnType<Core['oauth2']['listClients']>>[number];

const show = (c: OAuth2Client) => ({
  clientId: c.clientId,
  name: c.name,
  author: c.author,
  authorUrl: c.authorUrl,
  redirectUris: c.redirectUris,
  scopes: c.scopes,
  public: c.publicClient,
  oidc: c.oidcAlg,
  source: c.source ?? 'database',
});

const create: Command = {
  name: 'oauth2-client create',
  summary: "add an OAuth2 client of the simple dialect's authorization server",
  synopsis: '--client-id ID --name N --redirect-uri URI... (--secret-stdin | --secret-file F | --secret S | --public) [...]',
  options: {
    'client-id': { type: 'string', value: 'ID', help: 'its client_id (required)' },
    ...secretOptions('secret', 'its client_secret'),
    name: { type: 'string', value: 'N', help: 'name shown on the consent page (required)' },
    author: { type: 'string', value: 'A', help: 'author shown on the consent page' },
    'author-url': { type: 'string', value: 'URL', help: "the author's link" },
    'redirect-uri': { type: 'string', multiple: true, value: 'URI', help: 'an allowed redirect_uri (at least one)' },
    scope: { type: 'string', multiple: true, value: 'S', help: 'a scope it may ask for' },
    public: { type: 'boolean', help: 'a client without a secret (PKCE S256 required)' },
    'oidc-signing-method': { type: 'string', value: 'ALG', help: 'id_token algorithm: HS256|HS384|HS512|RS256|RS384|RS512' },
    'oidc-signing-key': { type: 'string', value: 'K', help: 'id_token key: HS text or RS PEM private key (prefer --oidc-signing-key-file)' },
    'oidc-signing-key-file': { type: 'string', value: 'FILE', help: 'read the id_token key from FILE' },
  },
  notes: ['Clients of the configuration file (oauth2Clients) are listed with source=config and changed there.'],
  async run({ values: v, withCore }) {
    const clientId = need(v, 'client-id');
    const name = need(v, 'name');
    const uris = list(v, 'redirect-uri') ?? [];
    if (!uris.length) throw new UsageError('--redirect-uri is required');
    const pub = bool(v, 'public');
    const secret = (await readSecret(v, 'secret')) ?? (pub ? '' : undefined);
    if (secret === undefined) throw new UsageError('a secret is required (--secret-stdin, --secret-file F or --secret S), or --public');
    const method = str(v, 'oidc-signing-method');
    const key = await oidcKey(str(v, 'oidc-signing-key'), str(v, 'oidc-signing-key-file'));
    if ((method === undefined) !== (key === undefined)) throw new UsageError('--oidc-signing-method and --oidc-signing-key (or -file) go together');
    return withCore(async (core) =>
      show(
        await core.oauth2.createClient({
          clientId,
          secret,
          name,
          author: str(v, 'author') ?? '',
          authorUrl: str(v, 'author-url') ?? '',
          redirectUris: uris,
          scopes: list(v, 'scope') ?? [],
          publicClient: pub,
          oidc: method !== undefined && key !== undefined ? { signingMethod: method, signingKey: key } : undefined,
        }),
      ),
    );
  },
};

async function oidcKey(inline: string | undefined, file: string | undefined): Promise<string | undefined> {
  if (inline !== undefined && file !== undefined) throw new UsageError('give only one of --oidc-signing-key, --oidc-signing-key-file');
  if (file === undefined) return inline;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    throw new UsageError(`--oidc-signing-key-file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read'}`);
  }
}

const listCmd: Command = {
  name: 'oauth2-client list',
  summary: 'list OAuth2 clients (database and config file; never their secrets)',
  async run({ withCore }) {
    return withCore(async (core) => (await core.oauth2.listClients()).map(show));
  },
};

const remove: Command = {
  name: 'oauth2-client delete',
  summary: 'remove an OAuth2 client (and its tokens)',
  synopsis: '<client-id> | --client-id ID',
  positionals: ['<client-id>'],
  options: { 'client-id': { type: 'string', value: 'ID', help: 'the client to remove (or give it as the argument)' } },
  async run({ values: v, positionals, withCore }) {
    const id = positionals[0] ?? str(v, 'client-id');
    if (!id) throw new UsageError('give the client id: gatehouse oauth2-client delete <client-id>');
    return withCore(async (core) => {
      if (!(await core.oauth2.deleteClient(id))) throw new Failure(`no OAuth2 client ${id}`);
      return { deleted: id };
    });
  },
};

export const oauth2ClientGroup: Group = {
  name: 'oauth2-client',
  summary: "OAuth2 clients of the simple dialect's authorization server (/oauth2)",
  commands: [create, listCmd, remove],
};
