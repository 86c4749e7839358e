"""Process-wide plumbing: settings, database, Temporal client."""
