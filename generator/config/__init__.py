"""outpost.yaml: the declared settings schema, the YAML reader that keeps line numbers,
loading, and the settings reference generated from the schema."""
