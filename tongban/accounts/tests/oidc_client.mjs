// A real relying party for the tests: the npm `openid-client` library (v6), driven by
// tongban/accounts/tests/test_oidc_clients.py. One step per run; input and output are JSON.
//
//   node oidc_client.mjs start  '{"issuer", "client_id", "client_secret", "redirect_uri", "scope"}'
//     -> {"authorization_url", "code_verifier", "state", "nonce"}
//   node oidc_client.mjs finish '{... as start, "callback_url", "code_verifier", "state", "nonce"}'
//     -> {"id_token_claims", "userinfo", "refreshed": {"id_token_claims", "refresh_token_rotated"}}
//   node oidc_client.mjs client_credentials '{"issuer", "client_id", "client_secret", "scope"}'
//     -> {"token_type", "scope", "has_access_token", "has_id_token", "has_refresh_token"}
//
// The provider runs on plain http on loopback in the tests, hence allowInsecureRequests.
// ID token signatures are checked against the provider's JWKS (enableNonRepudiationChecks).
import * as client from "openid-client";

async function configure(args) {
  const config = await client.discovery(
    new URL(args.issuer),
    args.client_id,
    args.client_secret,
    client.ClientSecretBasic(args.client_secret),
    { execute: [client.allowInsecureRequests] },
  );
  client.enableNonRepudiationChecks(config);
  return config;
}

async function start(args) {
  const config = await configure(args);
  const code_verifier = client.randomPKCECodeVerifier();
  const code_challenge = await client.calculatePKCECodeChallenge(code_verifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: args.redirect_uri,
    scope: args.scope,
    code_challenge,
    code_challenge_method: "S256",
    state,
    nonce,
  });
  return { authorization_url: url.href, code_verifier, state, nonce };
}

async function finish(args) {
  const config = await configure(args);
  const tokens = await client.authorizationCodeGrant(config, new URL(args.callback_url), {
    pkceCodeVerifier: args.code_verifier,
    expectedState: args.state,
    expectedNonce: args.nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  return {
    id_token_claims: claims,
    userinfo,
    refreshed: {
      id_token_claims: refreshed.claims() ?? null,
      refresh_token_rotated: Boolean(refreshed.refresh_token) && refreshed.refresh_token !== tokens.refresh_token,
    },
  };
}

async function clientCredentials(args) {
  const config = await configure(args);
  const tokens = await client.clientCredentialsGrant(config, { scope: args.scope });
  return {
    token_type: tokens.token_type,
    scope: tokens.scope,
    has_access_token: Boolean(tokens.access_token),
    has_id_token: Boolean(tokens.id_token),
    has_refresh_token: Boolean(tokens.refresh_token),
  };
}

const steps = { start, finish, client_credentials: clientCredentials };
const [step, json] = process.argv.slice(2);
try {
  if (!steps[step]) throw new Error(`unknown step ${step}`);
  process.stdout.write(JSON.stringify(await steps[step](JSON.parse(json))));
} catch (error) {
  process.stdout.write(
    JSON.stringify({ error: error.name, code: error.code ?? null, message: error.message, cause: error.cause ?? null }),
  );
  process.exitCode = 1;
}
