"""Helpers the test suite shares: the Ory stack and the SMTP sink's mailbox."""
