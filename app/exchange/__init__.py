"""Exchange of documents over the national axis, wired to cases (outbox, inbox, statuses)."""
