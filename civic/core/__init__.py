"""What every page shares: languages, security headers, error pages, template helpers, home and health."""
