import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, importJWK, importSPKI, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { basicCredentials, holder, readBody, sendJson, sendText, type Handler } from './http.js';

/**
 * The HTTP proxy in front of oidc-provider, on the port the issuer names. It passes everything
 * through, except:
 * - the token endpoint, whose answer `tamper` rewrites (a forged or altered id_token, garbage, an
 *   error, a delay, a dropped connection);
 * - client authentication at the token and revocation endpoints, re-sent the way the client was
 *   registered (real Google and Keycloak accept Basic and POST alike, oidc-provider only the
 *   registered one), and Sign in with Apple's client-secret JWT, verified here and swapped for
 *   the secret the provider knows;
 * - Keycloak's back-channel logout (`POST …/protocol/openid-connect/logout` with a refresh token
 *   and the client's Basic credentials), recorded and carried out as a revocation.
 */

export type TokenTamper =
  | 'none' | 'bad-signature' | 'wrong-audience' | 'wrong-issuer' | 'expired' | 'wrong-nonce'
  | 'no-id-token' | 'garbage' | 'error' | 'slow' | 'down';

/** Sign in with Apple: the client secret is an ES256 JWT the client signs with this key's private half. */
export interface AppleClientKey {
  teamId: string;
  keyId: string;
  /** SPKI PEM, a JWK, or a key object. */
  publicKey: string | JWK | CryptoKey;
  /** The JWT's `aud`; Apple wants https://appleid.apple.com (the default). */
  audience?: string;
}

export interface StoredClient {
  /** The metadata oidc-provider sees. */
  metadata: Record<string, unknown> & { client_id: string; client_secret?: string; token_endpoint_auth_method: string };
  apple?: AppleClientKey;
}

export interface LogoutCall {
  /** `logout`: Keycloak's back-channel logout; `revocation`: the RFC 7009 endpoint. */
  endpoint: 'logout' | 'revocation';
  refreshToken?: string;
  authorization?: string;
  status: number;
}

export interface ProxyOptions {
  port: () => number;
  paths: { authorization: string; token: string; revocation: string; logout: string };
  clients: Map<string, StoredClient>;
  tamper: () => TokenTamper;
  /** The provider's signing key (private JWK, with kid and alg). */
  signingKey: JWK;
  logouts: LogoutCall[];
  seen: { authorize: URLSearchParams[]; token: URLSearchParams[] };
}

interface Upstream { status: number; headers: IncomingHttpHeaders; body: Buffer }

export function oidcProxy(o: ProxyOptions): { handler: Handler; release: () => void } {
  const slow = holder();
  const otherKey = generateKeyPair(String(o.signingKey.alg ?? 'RS256'));
  const realKey = importJWK(o.signingKey, String(o.signingKey.alg ?? 'RS256'));

  const forward = (req: IncomingMessage, headers: IncomingHttpHeaders, body: Buffer, path = req.url ?? '/') =>
    new Promise<Upstream>((resolve, reject) => {
      const sent: IncomingHttpHeaders = { ...headers, 'content-length': String(body.length) };
      delete sent['transfer-encoding'];
      const out = request({ host: '127.0.0.1', port: o.port(), method: req.method, path, headers: sent }, (r) => {
        readBody(r, 1 << 24).then((b) => resolve({ status: r.statusCode ?? 502, headers: r.headers, body: b }), reject);
      });
      out.on('error', reject);
      out.end(body);
    });

  const pipe = (req: IncomingMessage, res: ServerResponse) => {
    const out = request({ host: '127.0.0.1', port: o.port(), method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  };

  const reply = (res: ServerResponse, up: Upstream, body = up.body) => {
    const headers = { ...up.headers, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    res.writeHead(up.status, headers);
    res.end(body);
  };

  /** Re-sends the client's credentials the way it was registered; undefined when Apple's JWT fails. */
  async function clientAuth(headers: IncomingHttpHeaders, params: URLSearchParams): Promise<IncomingHttpHeaders | undefined> {
    const basic = basicCredentials(headers.authorization);
    const id = basic?.id ?? params.get('client_id') ?? '';
    let secret = basic?.secret ?? params.get('client_secret') ?? undefined;
    const client = o.clients.get(id);
    if (!client || secret === undefined) return headers;
    if (client.apple) {
      if (!(await appleSecretValid(secret, id, client.apple))) return undefined;
      secret = client.metadata.client_secret ?? '';
    }
    const out = { ...headers };
    delete out.authorization;
    params.delete('client_secret');
    if (client.metadata.token_endpoint_auth_method === 'client_secret_basic') {
      out.authorization = `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    } else {
      params.set('client_id', id);
      params.set('client_secret', secret);
    }
    return out;
  }

  async function rewrite(up: Upstream, mode: TokenTamper): Promise<Buffer> {
    if (mode === 'none' || mode === 'slow' || up.status !== 200) return up.body;
    const json = JSON.parse(up.body.toString('utf8')) as Record<string, unknown>;
    if (typeof json.id_token !== 'string') return up.body;
    if (mode === 'no-id-token') delete json.id_token;
    else json.id_token = await forge(json.id_token, mode);
    return Buffer.from(JSON.stringify(json));
  }

  async function forge(idToken: string, mode: TokenTamper): Promise<string> {
    const header = decodeProtectedHeader(idToken);
    const claims: JWTPayload = { ...decodeJwt(idToken) };
    const now = Math.floor(Date.now() / 1000);
    if (mode === 'wrong-audience') claims.aud = 'some-other-client';
    if (mode === 'wrong-issuer') claims.iss = 'http://127.0.0.1:9/not-the-issuer';
    if (mode === 'expired') Object.assign(claims, { iat: now - 7200, auth_time: now - 7200, exp: now - 3600 });
    if (mode === 'wrong-nonce') claims.nonce = `forged-${randomBytes(8).toString('hex')}`;
    const key = mode === 'bad-signature' ? (await otherKey).privateKey : await realKey;
    return new SignJWT(claims).setProtectedHeader({ ...header, alg: header.alg ?? 'RS256' }).sign(key);
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = new URLSearchParams((await readBody(req)).toString('utf8'));
    o.seen.token.push(new URLSearchParams(params));
    const mode = o.tamper();
    if (mode === 'down') return void req.socket.destroy();
    if (mode === 'garbage') return sendText(res, 200, '<html><body>502 Bad Gateway</body></html>');
    if (mode === 'error') return sendJson(res, 400, { error: 'invalid_grant', error_description: 'grant request is invalid' });
    const headers = await clientAuth(req.headers, params);
    if (!headers) return sendJson(res, 400, { error: 'invalid_client' });
    const answer = async () => {
      const up = await forward(req, headers, Buffer.from(params.toString()));
      reply(res, up, await rewrite(up, mode));
    };
    if (mode === 'slow') slow.hold(res, 30_000, () => void answer().catch(() => res.destroy()));
    else await answer();
  }

  async function revocation(req: IncomingMessage, res: ServerResponse, keycloak: boolean): Promise<void> {
    const body = await readBody(req);
    const params = new URLSearchParams(body.toString('utf8'));
    if (keycloak && !params.has('refresh_token')) return reply(res, await forward(req, req.headers, body));
    const refreshToken = (keycloak ? params.get('refresh_token') : params.get('token')) ?? undefined;
    const call: LogoutCall = { endpoint: keycloak ? 'logout' : 'revocation', refreshToken, authorization: req.headers.authorization, status: 0 };
    o.logouts.push(call);
    if (keycloak) {
      params.delete('refresh_token');
      params.set('token', refreshToken ?? '');
      params.set('token_type_hint', 'refresh_token');
    }
    const headers = await clientAuth(req.headers, params);
    if (!headers) {
      call.status = 400;
      return sendJson(res, 400, { error: 'invalid_client' });
    }
    const up = await forward(req, headers, Buffer.from(params.toString()), o.paths.revocation);
    // Keycloak answers a successful logout with 204 No Content.
    call.status = keycloak && up.status === 200 ? 204 : up.status;
    if (call.status === 204) res.writeHead(204).end();
    else reply(res, up);
  }

  const handler: Handler = async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    if (url.pathname === o.paths.authorization) o.seen.authorize.push(new URLSearchParams(url.searchParams));
    if (req.method === 'POST' && url.pathname === o.paths.token) return token(req, res);
    if (req.method === 'POST' && url.pathname === o.paths.revocation) return revocation(req, res, false);
    if (req.method === 'POST' && url.pathname === o.paths.logout) return revocation(req, res, true);
    pipe(req, res);
  };
  return { handler, release: slow.release };
}

async function appleSecretValid(secret: string, clientId: string, apple: AppleClientKey): Promise<boolean> {
  try {
    const key = typeof apple.publicKey === 'string'
      ? await importSPKI(apple.publicKey, 'ES256')
      : 'kty' in apple.publicKey ? await importJWK(apple.publicKey, 'ES256') : apple.publicKey;
    const { protectedHeader } = await jwtVerify(secret, key, {
      algorithms: ['ES256'],
      issuer: apple.teamId,
      subject: clientId,
      audience: apple.audience ?? 'https://appleid.apple.com',
      requiredClaims: ['iat', 'exp'],
    });
    return protectedHeader.kid === apple.keyId;
  } catch {
    return false;
  }
}
