"""The Go analyzer: tree-sitter rules for Go."""
