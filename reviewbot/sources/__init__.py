"""Sources: turn paths, git ranges, staged changes or patch files into a ChangeSet."""
