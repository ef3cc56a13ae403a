"""Moving in: copying an organization from any server that speaks the protocol into this store."""
