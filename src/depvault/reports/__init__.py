"""Report generation: row sources and the streaming writers that turn them into files."""
