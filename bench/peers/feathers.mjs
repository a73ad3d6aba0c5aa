// Peer: a Feathers 5 app as its generator sets one up (Koa and socket.io transports,
// @feathersjs/authentication with the JWT and local strategies, a users service on Knex over
// SQLite, the generator's default channels), nothing tuned but SQLite's journal (WAL, as Gatehouse
// uses). Passwords are hashed with the local strategy's default (bcryptjs, 10 rounds).
//   POST /authentication {strategy:'local', email, password} → {accessToken, user}
//   GET  /users/:id with Authorization: Bearer <accessToken> (authenticate('jwt'))
//   socket.io: emit('create', 'authentication', {strategy:'jwt', accessToken}, {}, cb), then
//              emit('get', 'users', id, {}, cb) on the signed-in connection
// Env: PORT, DB (SQLite file), USERS (how many users bench0@bench.test… to create), PASSWORD.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { feathers } from '@feathersjs/feathers';
import { koa, rest, bodyParser, errorHandler } from '@feathersjs/koa';
import socketio from '@feathersjs/socketio';
import { AuthenticationService, JWTStrategy, authenticate } from '@feathersjs/authentication';
import { LocalStrategy, hooks as localHooks } from '@feathersjs/authentication-local';
import { KnexService } from '@feathersjs/knex';
import knex from 'knex';

// better-sqlite3 is the root's (knex loads it by name; make sure it resolves from here).
createRequire(fileURLToPath(new URL('../../package.json', import.meta.url))).resolve('better-sqlite3');

const port = Number(process.env.PORT);
const users = Number(process.env.USERS ?? 20);
const password = process.env.PASSWORD ?? 'bench-Passw0rd!';

const db = knex({
  client: 'better-sqlite3',
  connection: { filename: process.env.DB },
  useNullAsDefault: true,
  pool: { afterCreate: (conn, done) => { conn.pragma('journal_mode = WAL'); conn.pragma('synchronous = NORMAL'); done(); } },
});
if (!(await db.schema.hasTable('users'))) {
  await db.schema.createTable('users', (t) => {
    t.increments('id');
    t.string('email').unique();
    t.string('password');
  });
}

const app = koa(feathers());
app.set('authentication', {
  secret: 'bench-feathers-secret-0123456789abcdef',
  entity: 'user',
  service: 'users',
  authStrategies: ['jwt', 'local'],
  jwtOptions: { header: { typ: 'access' }, audience: 'https://bench.test', algorithm: 'HS256', expiresIn: '1d' },
  local: { usernameField: 'email', passwordField: 'password' },
});
app.use(async (ctx, next) => {
  if (ctx.path === '/health') {
    ctx.body = { status: 'ok' };
    return;
  }
  await next();
});
app.use(errorHandler());
app.use(bodyParser());
app.configure(rest());
app.configure(socketio());

app.use('users', new KnexService({ Model: db, name: 'users' }));
app.service('users').hooks({
  around: { get: [authenticate('jwt')] },
  before: { create: [localHooks.hashPassword('password')] },
  after: { all: [localHooks.protect('password')] },
});

const auth = new AuthenticationService(app);
auth.register('jwt', new JWTStrategy());
auth.register('local', new LocalStrategy());
app.use('authentication', auth);

// The generator's channels.ts: signed-in connections hear the events (no events in the bench).
app.on('connection', (connection) => app.channel('anonymous').join(connection));
app.on('login', (_result, { connection }) => {
  if (connection) {
    app.channel('anonymous').leave(connection);
    app.channel('authenticated').join(connection);
  }
});
app.publish(() => app.channel('authenticated'));

const [{ n }] = await db('users').count({ n: '*' });
for (let i = Number(n); i < users; i++) await app.service('users').create({ email: `bench${i}@bench.test`, password });

await app.listen(port);
process.on('SIGTERM', () => {
  db.destroy().finally(() => process.exit(0));
});
