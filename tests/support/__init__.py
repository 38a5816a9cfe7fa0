"""Test helpers that start real parts (PostgreSQL, the web server) and drive them."""
