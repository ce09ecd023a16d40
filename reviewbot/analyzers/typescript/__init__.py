"""The TypeScript analyzer: tree-sitter rules for TypeScript, TSX and JavaScript."""
