"""What the TypeScript and Go analyzers share: grammars, the rule base, node helpers and the engine."""
