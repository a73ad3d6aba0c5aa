import { feathers, type Application } from '@feathersjs/feathers';
import * as restPkg from '@feathersjs/rest-client';
import * as socketioPkg from '@feathersjs/socketio-client';
import * as authPkg from '@feathersjs/authentication-client';
import { io, type Socket } from 'socket.io-client';

// CommonJS packages whose typings declare an ES default export: the function is the default here.
const rest = restPkg.default.default;
const socketio = socketioPkg.default.default;
const authentication = authPkg.default.default;
const { MemoryStorage } = authPkg;

const CUSTOM = { users: ['count'], access_groups: ['available', 'count'] } as const;

/** The official Feathers client over REST (fetch), as an application built against the original would set it up. */
export function restClient(url: string): Application {
  const app = feathers();
  app.configure(rest(url).fetch(fetch));
  app.configure(authentication({ storage: new MemoryStorage() }));
  for (const [path, methods] of Object.entries(CUSTOM)) app.use(path, rest(url).fetch(fetch).service(path) as never, { methods: ['find', 'get', 'create', 'update', 'patch', 'remove', ...methods] });
  return app;
}

/** The official Feathers client over socket.io; `close()` ends the socket. */
export function socketClient(url: string): { app: Application; socket: Socket; close(): void } {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  const app = feathers();
  // ESM and CommonJS typings of socket.io-client differ only nominally; the object is the same.
  const transport = socketio(socket as never);
  app.configure(transport);
  app.configure(authentication({ storage: new MemoryStorage() }));
  for (const [path, methods] of Object.entries(CUSTOM)) app.use(path, transport.service(path) as never, { methods: ['find', 'get', 'create', 'update', 'patch', 'remove', ...methods] });
  return { app, socket, close: () => socket.close() };
}
