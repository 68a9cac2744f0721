"""The engine's runtime: cases, tasks, timers, messages and incidents over SpiffWorkflow."""
