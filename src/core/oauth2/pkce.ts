import { sha256 } from '../util/crypto.js';
import { oauthFail } from './errors.js';
import type { OAuth2Client } from './clients.js';

/** RFC 7636 §4.1: 43 to 128 unreserved characters (a challenge must look like one too). */
const PKCE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export interface PkceChallenge {
  code_challenge: string;
  code_challenge_method: 'S256';
}

/**
 * At authorization (§4.3): the challenge to store with the code. Only S256 is accepted, and a
 * public client must send one, since nothing else binds its code to the app that asked.
 */
export function pkceChallenge(client: Pick<OAuth2Client, 'publicClient'>, challenge: string | undefined, method: string | undefined): PkceChallenge | undefined {
  if (challenge || method) {
    if ((method ?? '') !== 'S256') oauthFail('invalid_request', 'code_challenge_method must be S256');
    if (!challenge || !PKCE_VERIFIER.test(challenge)) oauthFail('invalid_request', 'Invalid code_challenge');
    return { code_challenge: challenge as string, code_challenge_method: 'S256' };
  }
  if (client.publicClient) oauthFail('invalid_request', 'code_challenge is required for public clients');
  return undefined;
}

/** At the token endpoint (§4.6): the verifier must hash to the stored challenge. */
export function checkPkceVerifier(client: Pick<OAuth2Client, 'publicClient'>, challenge: string | undefined, verifier: string | undefined): void {
  if (challenge) {
    const v = verifier ?? '';
    if (!PKCE_VERIFIER.test(v) || sha256(v) !== challenge) oauthFail('invalid_grant', 'Invalid code_verifier');
  } else if (client.publicClient) oauthFail('invalid_grant', 'code_verifier required');
}
