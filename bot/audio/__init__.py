"""Audio after the backends: stitching, loudness, mastering, encoding, pictures."""
