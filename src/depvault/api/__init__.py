"""The protocol edge: from HTTP bytes to typed requests, and back."""
