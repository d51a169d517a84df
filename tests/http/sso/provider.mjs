// A real OpenID provider for the sign-in tests (npm oidc-provider, a certified implementation), on the loopback, with
// two clients configured as ProConnect and FranceConnect would be. Usage: node provider.mjs PORT RP_BASE_URL
// Prints "ready" once listening. Hooks the tests drive (never part of a provider's protocol):
//   POST /__test/account?sub=S   body: JSON claims of the account S (given_name, email, siret…)
//   POST /__test/mode?m=M        the next token response's ID token is altered: tamper (payload changed, signature
//                                kept), nonce (re-signed with another nonce), expired (re-signed, exp in the past)
//   POST /__test/rotate          a new signing key, first in the JWKS (the old one stays listed)
//   GET  /__test/events          what happened: ["token", "token:tamper", "end_session", "end_session_confirm"…]
// The interaction (login and consent) is /interaction/UID?sub=S: the test names the account, the provider signs it
// in with acr eidas1 and grants the scopes asked.
import http from 'node:http';

import { SignJWT, decodeJwt, exportJWK, generateKeyPair, importJWK } from 'jose';
import Provider from 'oidc-provider';

const [port, rp] = process.argv.slice(2);
if (!port || !rp) {
  console.error('usage: node provider.mjs PORT RP_BASE_URL');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const accounts = new Map();
const events = [];
let keys = [];
let mode = '';
let provider;
let handler;

const proconnectClaims = ['given_name', 'usual_name', 'email', 'uid', 'siret', 'organizational_unit',
  'belonging_population', 'phone'];
const franceconnectClaims = ['given_name', 'family_name', 'birthdate', 'gender', 'birthplace', 'birthcountry',
  'email'];

async function newKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  jwk.kid = `k${keys.length + 1}-${Date.now()}`;
  jwk.alg = 'RS256';
  jwk.use = 'sig';
  return jwk;
}

function build() {
  const claims = { openid: ['sub'], email: ['email', 'email_verified'] };
  for (const c of [...proconnectClaims, ...franceconnectClaims]) if (c !== 'email') claims[c] = [c];
  const p = new Provider(issuer, {
    clients: [
      {
        // ProConnect: signed userinfo (application/jwt), client_secret_post.
        client_id: 'proconnect-client',
        client_secret: 'proconnect-secret-for-the-tests',
        redirect_uris: [`${rp}/oidc/proconnect/retour`],
        post_logout_redirect_uris: [`${rp}/oidc/proconnect/deconnexion`],
        token_endpoint_auth_method: 'client_secret_post',
        id_token_signed_response_alg: 'RS256',
        userinfo_signed_response_alg: 'RS256',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      {
        // FranceConnect: plain JSON userinfo.
        client_id: 'franceconnect-client',
        client_secret: 'franceconnect-secret-for-the-tests',
        redirect_uris: [`${rp}/oidc/franceconnect/retour`],
        post_logout_redirect_uris: [`${rp}/oidc/franceconnect/deconnexion`],
        token_endpoint_auth_method: 'client_secret_post',
        id_token_signed_response_alg: 'RS256',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys },
    claims,
    scopes: ['openid', ...Object.keys(claims).filter((s) => s !== 'openid')],
    acrValues: ['eidas1'],
    findAccount: async (ctx, sub) => {
      const a = accounts.get(sub);
      return a && { accountId: sub, claims: async () => ({ sub, ...a }) };
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['tremplin-tests-only-cookie-key'] },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          events.push('end_session');
          ctx.body = `<!DOCTYPE html><html><body>${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Oui</button></body></html>`;
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = '<!DOCTYPE html><html><body>signed out</body></html>';
        },
      },
    },
  });
  p.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/session/end/confirm' && ctx.method === 'POST') events.push('end_session_confirm');
    if (ctx.path === '/token' && ctx.method === 'POST' && ctx.body && ctx.body.id_token) {
      events.push(mode ? `token:${mode}` : 'token');
      if (mode) ctx.body = { ...ctx.body, id_token: await alter(ctx.body.id_token, mode) };
      mode = '';
    }
  });
  return p;
}

const b64 = (s) => Buffer.from(s).toString('base64url');

async function alter(token, how) {
  const [header, , signature] = token.split('.');
  const claims = decodeJwt(token);
  if (how === 'tamper') return `${header}.${b64(JSON.stringify({ ...claims, sub: 'someone-else' }))}.${signature}`;
  const now = Math.floor(Date.now() / 1000);
  if (how === 'nonce') claims.nonce = 'not-the-nonce-of-this-sign-in';
  if (how === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  const key = keys[0];
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .sign(await importJWK(key, 'RS256'));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answer(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function interaction(req, res, url) {
  const details = await provider.interactionDetails(req, res);
  const sub = url.searchParams.get('sub');
  if (!accounts.has(sub)) return answer(res, 400, { error: `unknown account ${sub}` });
  const grant = new provider.Grant({ accountId: sub, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { login: { accountId: sub, acr: 'eidas1' }, consent: { grantId } },
    { mergeWithLastSubmission: false });
}

async function route(req, res) {
  const url = new URL(req.url, issuer);
  if (url.pathname === '/__test/account' && req.method === 'POST') {
    accounts.set(url.searchParams.get('sub'), JSON.parse(await readBody(req)));
    return answer(res, 200, { ok: true });
  }
  if (url.pathname === '/__test/mode' && req.method === 'POST') {
    mode = url.searchParams.get('m') || '';
    return answer(res, 200, { mode });
  }
  if (url.pathname === '/__test/rotate' && req.method === 'POST') {
    keys = [await newKey(), ...keys];
    provider = build();
    handler = provider.callback();
    return answer(res, 200, { kid: keys[0].kid });
  }
  if (url.pathname === '/__test/events') return answer(res, 200, events);
  if (url.pathname.startsWith('/interaction/')) return interaction(req, res, url);
  return handler(req, res);
}

keys = [await newKey()];
provider = build();
handler = provider.callback();
http.createServer((req, res) => {
  route(req, res).catch((e) => {
    console.error(e);
    if (!res.headersSent) answer(res, 500, { error: String(e) });
  });
}).listen(Number(port), '127.0.0.1', () => console.log('ready'));
