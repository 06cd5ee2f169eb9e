// Maps the claims of "Example ID" (hydra.upstream.yml) to a new identity's
// traits on first sign-in. The email becomes a trait only when the provider
// says it is verified: an unverified address is not evidence that the person
// owns it, and an identity named after someone else's address is a takeover.
local claims = std.extVar('claims');

{
  identity: {
    traits: {
      [if std.objectHas(claims, 'email') && std.objectHas(claims, 'email_verified') && claims.email_verified then 'email' else null]: claims.email,
      [if std.objectHas(claims, 'given_name') || std.objectHas(claims, 'family_name') then 'name' else null]: {
        [if std.objectHas(claims, 'given_name') then 'first' else null]: claims.given_name,
        [if std.objectHas(claims, 'family_name') then 'last' else null]: claims.family_name,
      },
    },
  },
}
