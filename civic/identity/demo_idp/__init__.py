"""The demo identity provider (CIVIC_DEMO_IDP): fictional residents signing in to Civic through the real SAML
flow, for `make run` and the browser tests. Refused in production (civic.identity.settings.check)."""
