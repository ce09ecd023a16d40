"""The gate: diff filter, suppressions, baseline and verdict; it marks findings, never loses them."""
