"""The pipeline (settings + notices + now -> {path: bytes}) and the builder, the I/O shell
around it: the cache, parallelism and writing the site."""
