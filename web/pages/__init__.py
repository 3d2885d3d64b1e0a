"""Blueprints that answer HTML."""
