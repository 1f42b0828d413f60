"""Vigie's common package: event contracts, settings, logging, MongoDB and Kafka helpers."""
