"""Seed the OpenID Connect standard scopes (Core 1.0, section 5.4) with
mappings onto the demo identity schema (traits `email`, `name.first`,
`name.last`). Mappings onto traits a schema lacks (`username`, `phone`,
`address`) yield no claim until the schema has them; the admin flags them."""
from django.db import migrations

# (scope, claim, source, path, token)
STANDARD_MAPPINGS = [
    ("profile", "name", "traits_joined", "name.first name.last", "id_token"),
    ("profile", "given_name", "trait", "name.first", "id_token"),
    ("profile", "family_name", "trait", "name.last", "id_token"),
    ("profile", "preferred_username", "trait", "username", "id_token"),
    # Also in the access token: APIs (introspection) usually want the address.
    ("email", "email", "trait", "email", "both"),
    ("email", "email_verified", "verified", "email", "both"),
    ("phone", "phone_number", "trait", "phone", "id_token"),
    ("phone", "phone_number_verified", "verified", "phone", "id_token"),
    ("address", "address", "trait", "address", "id_token"),
]


def seed(apps, schema_editor):
    ScopeClaim = apps.get_model("oryauth_provider", "ScopeClaim")
    for scope, claim, source, path, token in STANDARD_MAPPINGS:
        ScopeClaim.objects.get_or_create(scope=scope, claim=claim, defaults={"source": source, "path": path, "token": token})


def unseed(apps, schema_editor):
    ScopeClaim = apps.get_model("oryauth_provider", "ScopeClaim")
    for scope, claim, *_ in STANDARD_MAPPINGS:
        ScopeClaim.objects.filter(scope=scope, claim=claim).delete()


class Migration(migrations.Migration):
    dependencies = [("oryauth_provider", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
