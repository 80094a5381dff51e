"""The policy document format: its taxonomy, the generated schemas and their validation."""
