"""What follows an inventory write or a knowledge change: matching libraries against
advisories (and, with later work, policies and alerts)."""
