"""System checks of this role. It has no settings of its own: the URLs it
calls are checked by the core (oryauth.checks, E001-E002, E020-E024) because
`conf.used_url_settings` names them while this role is installed."""
