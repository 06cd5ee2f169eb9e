"""oryauth: single sign-on for Django sites on Ory Kratos and Ory Hydra."""

__version__ = "0.1.0"
