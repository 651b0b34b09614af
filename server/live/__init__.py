"""The live path: running sessions, their one writer, what each audience sees, the hub."""
