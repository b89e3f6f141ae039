"""Loading: reading a project's files and settings, resolving includes, building a `Project`."""
