// Maps the claims of "Example ID" (hydra.upstream.yml) to a new identity's
// traits on first sign-in. The email becomes a trait only when the provider
// says it is verified: an unverified address is not evidence that the person
// owns it, and an identity named after someone else's address is a takeover.
// Without it Kratos asks the person for an address (the identity schema
// requires one) and sends that address a verification code.
local claims = std.extVar('claims');
local verified_email = std.objectHas(claims, 'email') && std.objectHas(claims, 'email_verified')
                       && claims.email_verified == true && std.length(claims.email) > 0;

{
  identity: {
    traits: {
      [if verified_email then 'email' else null]: claims.email,
      [if std.objectHas(claims, 'given_name') || std.objectHas(claims, 'family_name') then 'name' else null]: {
        [if std.objectHas(claims, 'given_name') then 'first' else null]: claims.given_name,
        [if std.objectHas(claims, 'family_name') then 'last' else null]: claims.family_name,
      },
    },
    // Example ID has verified this address: Kratos marks it verified instead
    // of sending a code (only while the trait is still this address).
    verified_addresses: if verified_email then [{ via: 'email', value: claims.email }] else [],
  },
}
