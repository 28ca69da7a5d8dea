"""Organizations, memberships and roles, the service taxonomy (and later the directory)."""
