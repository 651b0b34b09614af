// A real OpenID Connect provider for the tests: the npm package oidc-provider (OpenID
// certified), installed by .ci/run into .ci/node. tests/oidc.py starts it on a free port
// with a JSON configuration (argv[2]): its issuer, its signing key, one client, and the
// people who may sign in (any password; the login names the person).
//
// For the tests of what must be refused, a control address (/__forge?mode=...) makes the
// next answer a bad one: an ID token re-signed with the provider's own key but a wrong
// nonce, an expired or foreign-audience one (also one whose azp names us), one signed with a key the provider never
// published, a token endpoint that is down, or a state that is not the one sent.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const modules = process.env.OIDC_NODE_MODULES;
const { default: Provider } = await import(
  pathToFileURL(join(modules, 'oidc-provider', 'lib', 'index.js')).href
);
// The jose that oidc-provider itself uses.
const jose = createRequire(join(modules, 'oidc-provider', 'lib', 'index.js'))('jose');

const provider = new Provider(config.issuer, {
  clients: [config.client],
  jwks: { keys: [config.key] },
  findAccount: async (ctx, id) => {
    const claims = config.people[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
    school: ['school'],
  },
  // Every client must use PKCE (S256): a client that does not is refused.
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  ttl: { AuthorizationCode: 60, IdToken: 3600, AccessToken: 3600 },
  cookies: { keys: ['draagvlak-test-cookies'] },
});
provider.proxy = false;

let forge = '';
const privateKey = await jose.importJWK(config.key, 'RS256');

async function resign(idToken, mode) {
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  let key = privateKey;
  let kid = config.key.kid;
  if (mode === 'nonce') claims.nonce = 'not-the-nonce-that-was-sent';
  if (mode === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  if (mode === 'audience') claims.aud = 'another-service';
  // Names us as the authorized party, but is for another service.
  if (mode === 'audience_azp') Object.assign(claims, { aud: 'another-service', azp: claims.aud });
  if (mode === 'issuer') claims.iss = 'https://someone-else.example';
  if (mode === 'unknown_key' || mode === 'other_key') {
    ({ privateKey: key } = await jose.generateKeyPair('RS256'));
    if (mode === 'unknown_key') kid = 'a-key-nobody-published';
  }
  return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/__forge') {
    forge = ctx.query.mode || '';
    ctx.body = `next: ${forge || 'honest'}`;
    return;
  }
  if (forge === 'token_down' && ctx.path === '/token') {
    forge = '';
    ctx.status = 503;
    ctx.body = 'down';
    return;
  }
  await next();
  if (forge === 'state' && ctx.status >= 300 && ctx.status < 400) {
    const location = ctx.response.get('location');
    if (location && location.startsWith(config.client.redirect_uris[0])) {
      const url = new URL(location);
      url.searchParams.set('state', 'a-state-this-browser-never-sent');
      ctx.redirect(url.href);
      forge = '';
    }
  }
  if (forge && ctx.path === '/token' && ctx.body && ctx.body.id_token) {
    ctx.body = { ...ctx.body, id_token: await resign(ctx.body.id_token, forge) };
    forge = '';
  }
});

const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`listening ${config.issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
