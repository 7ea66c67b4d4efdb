"""The outpost command: thin click commands over library functions."""
