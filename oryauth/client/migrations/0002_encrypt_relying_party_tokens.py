"""Relying-party tokens encrypted at rest: the three token columns become
EncryptedTextField and rows stored in plain text before are encrypted."""
from django.db import migrations

import oryauth.client.encryption


def encrypt_plain_rows(apps, schema_editor):  # noqa: ANN001, ANN201 (migration signature)
    tokens = apps.get_model("oryauth_client", "RelyingPartyTokens")
    table = schema_editor.connection.ops.quote_name(tokens._meta.db_table)
    # Read the stored text as it is: the field would try to decrypt it.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, access_token, refresh_token, id_token FROM {table}")  # noqa: S608 (table name from the model)
        rows = cursor.fetchall()
    for pk, *values in rows:
        if any(oryauth.client.encryption.decrypt(value) is not None for value in values if value):
            continue  # already encrypted
        # update() passes the values through the field, which encrypts them.
        tokens.objects.filter(pk=pk).update(access_token=values[0], refresh_token=values[1], id_token=values[2])


class Migration(migrations.Migration):

    dependencies = [
        ("oryauth_client", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="relyingpartytokens",
            name="access_token",
            field=oryauth.client.encryption.EncryptedTextField(),
        ),
        migrations.AlterField(
            model_name="relyingpartytokens",
            name="id_token",
            field=oryauth.client.encryption.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="relyingpartytokens",
            name="refresh_token",
            field=oryauth.client.encryption.EncryptedTextField(blank=True),
        ),
        migrations.RunPython(encrypt_plain_rows, migrations.RunPython.noop),
    ]
