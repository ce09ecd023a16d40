"""Python payment rules on libcst: one parse, one walk, positions only where needed."""
