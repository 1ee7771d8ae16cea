"""Read-only open data as JSON under /api/v1, described by an OpenAPI document at /api/openapi.json."""
