// The ceiling of a socket.io service call: socket.io on a bare node:http server (the socket.io
// Gatehouse's @feathersjs/socketio uses, with the options it is given there), whose `get` event
// acknowledges at once with a small body, as Feathers' socket protocol answers a call
// (`emit('get', path, id, query, cb)` → `cb(null, result)`). No Feathers, no authentication.
import http from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// socket.io as Gatehouse loads it: the one @feathersjs/socketio of the root resolves.
const root = createRequire(fileURLToPath(new URL('../../package.json', import.meta.url)));
const { Server } = createRequire(root.resolve('@feathersjs/socketio'))('socket.io');

const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
    return;
  }
  res.writeHead(404).end();
});
const io = new Server(server, { serveClient: false });
const body = { hello: 'world' };
io.on('connection', (socket) => {
  socket.on('get', (_path, _id, _query, cb) => {
    if (typeof cb === 'function') cb(null, body);
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  io.close();
  server.close(() => process.exit(0));
});
