"""Users, authentication and (later) two-factor. Knows nothing of organizations or cases."""
