"""Durable background work. The database row is the truth about every job; a runner
only decides where the work executes (inline in tests, local worker threads in the
embedded server, and later distributed workers)."""
