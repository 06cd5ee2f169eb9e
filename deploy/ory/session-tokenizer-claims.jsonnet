// Claims of a tokenized session for the demo site's API (kratos.yml,
// session.whoami.tokenizer.templates.api). Kratos sets iss, sub, sid, exp,
// nbf, iat and jti itself; oryauth checks `aud` against ACCESS_TOKEN_AUDIENCE
// and reads `aal` for aal2_required. Traits stay out: the token travels with
// every API request, and oryauth reads the person from its Django user.
local claims = std.extVar('claims');
local session = std.extVar('session');

{
  claims: claims {
    aud: ['http://127.0.0.1:8000/api/'],
    aal: session.authenticator_assurance_level,
  },
}
