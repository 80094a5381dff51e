"""The policy, rule, pack and config schemas, with the generated checks of the first three."""
