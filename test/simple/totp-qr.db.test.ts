import { afterAll, beforeAll, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import jsQRModule from 'jsqr';
import { TOTP, URI } from 'otpauth';
import { client, describeDb, startServer, type TestServer } from '../support/server.js';

/** Reference §9: a secret, its QR code as an authenticator app scans it, activation and login with the app's code. */

type JsQR = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
/** jsqr is CommonJS with a `default` export: take the function whichever way the loader hands it over. */
const jsQR: JsQR = ((jsQRModule as unknown as { default?: JsQR }).default ?? jsQRModule) as unknown as JsQR;
const SK = { authorization: 'SharedKey super-secret' };

await describeDb('simple dialect TOTP QR code', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  beforeAll(async () => {
    srv = await startServer({ apiExternal: true, apiSharedSecret: 'super-secret', simpleTwoFactorEnabled: true, simpleCookieSigningKey: 'this-is-a-test' });
    req = client(srv.url);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('GET /local/2fa → padded base32; the QR PNG decodes to the otpauth URL; its code activates TOTP and signs in', async () => {
    const created = await req('POST', '/api/v1/account', { json: { username: 'scanner', password: 'scan-pass', email: 'Scanner@Example.com' }, headers: SK });
    expect(created.status).toBe(201);
    const h = { ...SK, 'x-account-uuid': created.body.id as string };

    const s = await req('GET', '/api/v1/local/2fa', { headers: h });
    expect(s.status).toBe(200);
    const secret = s.body.secret as string;
    expect(secret).toMatch(/^[A-Z2-7]{20}====$/);
    expect((await req('GET', '/api/v1/local/2fa', { headers: h })).body.secret).not.toBe(secret);
    // Nothing is stored by asking for a secret.
    expect((await req('GET', '/api/v1/local', { headers: h })).body.twofactor).toBe(false);

    expect((await req('GET', '/api/v1/local/2fa/qrcode', { headers: h })).status).toBe(400);
    const res = await fetch(`${srv.url}/api/v1/local/2fa/qrcode?secret=${encodeURIComponent(secret)}`, { headers: h });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    expect([png.width, png.height]).toEqual([256, 256]);
    const qr = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
    expect(qr).not.toBeNull();
    const url = String(qr?.data);
    // The original (Go url.URL) leaves '@' raw in the label; src/core/accounts/totp.ts percent-encodes it (%40). Apps decode both alike.
    expect(url.replace('%40', '@')).toBe(`otpauth://totp/simple-auth:scanner@example.com?algorithm=SHA1&digits=6&issuer=simple-auth&period=30&secret=${secret.replace(/=/g, '%3D')}`);
    expect(decodeURIComponent(url.slice('otpauth://totp/'.length, url.indexOf('?')))).toBe('simple-auth:scanner@example.com');

    // As an authenticator app: parse the URL and compute the current code.
    const app = URI.parse(url);
    expect(app).toBeInstanceOf(TOTP);
    const totp = app as TOTP;
    expect([totp.issuer, totp.algorithm, totp.digits, totp.period]).toEqual(['simple-auth', 'SHA1', 6, 30]);
    expect(totp.secret.base32.replace(/=+$/, '')).toBe(secret.replace(/=+$/, ''));

    const act = await req('POST', '/api/v1/local/2fa', { json: { secret, code: totp.generate() }, headers: h });
    expect(act.status).toBe(200);
    expect((await req('GET', '/api/v1/local', { headers: h })).body.twofactor).toBe(true);

    const login = (extra: Record<string, string>) => req('POST', '/api/v1/auth/session', { json: { username: 'scanner', password: 'scan-pass', ...extra }, headers: SK });
    expect((await login({})).body.reason).toBe('totp-missing');
    const ok = await login({ totp: totp.generate() });
    expect(ok.status).toBe(200);
    expect(ok.body.id).toBe(created.body.id);

    // An unpadded secret (what some apps show) is accepted and the QR still carries the padded form.
    const bare = secret.replace(/=+$/, '');
    const res2 = await fetch(`${srv.url}/api/v1/local/2fa/qrcode?secret=${bare}`, { headers: h });
    expect(res2.status).toBe(200);
    const png2 = PNG.sync.read(Buffer.from(await res2.arrayBuffer()));
    expect(jsQR(new Uint8ClampedArray(png2.data.buffer, png2.data.byteOffset, png2.data.length), 256, 256)?.data).toBe(url);
  });
});
