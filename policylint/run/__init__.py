"""A check run: configuration, files checked one by one (or on a pool), cache, suppressions, baseline."""
