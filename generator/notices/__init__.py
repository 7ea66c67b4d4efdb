"""Notice files: the grammar, the loader, editing, look-up, posting and the init scaffold."""
