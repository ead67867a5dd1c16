"""Deterministic illustrative (示意) sample data for Binhai New Area."""
