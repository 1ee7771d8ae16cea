"""Accounts: registration, confirmation, log in and out, password reset, roles."""
