"""Compare many policy documents side by side, and two versions of one."""
