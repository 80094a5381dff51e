"""Input: files read within limits into plain data with the position of every value."""
