"""Accounts: users with roles, API tokens and login sessions."""
