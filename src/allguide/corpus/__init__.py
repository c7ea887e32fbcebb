"""The guideline corpus: loading (the only I/O), cleaning and chunking (pure)."""
