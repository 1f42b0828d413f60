"""Kafka helpers: the idempotent producer, topics, dead-letter path and guarded consumers."""
