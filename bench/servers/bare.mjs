// The ceiling for any endpoint: a bare Fastify route answering a small JSON body, no logger, no
// plugins. Same Fastify as Gatehouse (the root's).
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/health', async () => ({ status: 'ok' }));
app.get('/hello', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
