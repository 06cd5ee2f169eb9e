// A relying party built on openid-client (panva; certified by the OpenID
// Foundation), driven by tests/interop/test_openid_client.py one step at a
// time: the test sends one JSON request on stdin, this prints one JSON answer
// on stdout (exit 0) or {"error": {...}} (exit 1) when the library refuses.
//
// Everything protocol-related is openid-client's own: discovery, PKCE, state,
// nonce, the code exchange, the ID-token checks (iss, aud, exp, iat, nonce,
// azp and, with enableNonRepudiationChecks, the signature against the
// issuer's JWKS), the refresh grant, userinfo with its sub check, and the
// end-session URL. The test only keeps what a web framework would keep in the
// browser's session between steps (code verifier, state, nonce).
//
// Requests: {"step": "authorize" | "callback" | "refresh" | "userinfo" |
// "end_session", "issuer", "client_id", "client_secret", ...step fields}.
import { createRequire } from 'node:module'
import { text } from 'node:stream/consumers'

// openid-client lives in tests/node/node_modules (tools/ensure-node-packages.sh).
const require = createRequire(new URL('../node/package.json', import.meta.url))
const client = await import(require.resolve('openid-client'))
const { version } = require('openid-client/package.json')

async function configure(request) {
  const options = {
    // The test stack's issuer is http://127.0.0.1:4444/ (Hydra --dev).
    execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
  }
  const config = await client.discovery(
    new URL(request.issuer),
    request.client_id,
    undefined,
    client.ClientSecretBasic(request.client_secret),
    options,
  )
  if (request.tamper_id_token_signature) {
    // Test-only: the transport flips a byte of the ID token's signature in
    // every token response, so the library's own signature check must refuse.
    config[client.customFetch] = async (url, init) => tamperedIdTokens(await fetch(url, init))
  }
  return config
}

async function tamperedIdTokens(response) {
  if (!(response.headers.get('content-type') || '').includes('application/json')) return response
  const body = await response.json()
  if (typeof body.id_token === 'string') {
    const [header, payload, signature] = body.id_token.split('.')
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1)
    body.id_token = [header, payload, flipped].join('.')
  }
  return new Response(JSON.stringify(body), { status: response.status, headers: response.headers })
}

function tokenAnswer(tokens) {
  return {
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    id_token: tokens.id_token,
    expires_in: tokens.expiresIn(),
    scope: tokens.scope,
    token_type: tokens.token_type,
    // The ID token's claims, after the library validated them.
    claims: tokens.claims(),
  }
}

const steps = {
  async authorize(config, request) {
    const codeVerifier = client.randomPKCECodeVerifier()
    const state = client.randomState()
    const nonce = client.randomNonce()
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: request.redirect_uri,
      scope: request.scope,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...(request.extra || {}),
    })
    return { url: url.href, code_verifier: codeVerifier, state, nonce }
  },

  async callback(config, request) {
    const tokens = await client.authorizationCodeGrant(config, new URL(request.callback_url), {
      pkceCodeVerifier: request.code_verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    })
    return tokenAnswer(tokens)
  },

  async refresh(config, request) {
    return tokenAnswer(await client.refreshTokenGrant(config, request.refresh_token))
  },

  async userinfo(config, request) {
    return await client.fetchUserInfo(config, request.access_token, request.expected_subject)
  },

  async end_session(config, request) {
    const url = client.buildEndSessionUrl(config, {
      id_token_hint: request.id_token_hint,
      post_logout_redirect_uri: request.post_logout_redirect_uri,
      state: request.state,
    })
    return { url: url.href }
  },

  async version() {
    return { version }
  },
}

const request = JSON.parse(await text(process.stdin))
const step = steps[request.step]
if (!step) {
  console.log(JSON.stringify({ error: { name: 'UnknownStep', message: `no step ${request.step}` } }))
  process.exit(2)
}
try {
  const config = request.step === 'version' ? null : await configure(request)
  console.log(JSON.stringify(await step(config, request)))
} catch (error) {
  // openid-client's refusals carry a name, a code, (for OAuth errors) `error`,
  // and often the underlying check's own error as `cause`.
  const cause = error.cause instanceof Error ? { name: error.cause.name, code: error.cause.code, message: error.cause.message } : null
  console.log(JSON.stringify({
    error: { name: error.name, code: error.code, error: error.error, message: error.message, cause },
  }))
  process.exit(1)
}
