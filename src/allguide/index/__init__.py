"""The vector index: embeddings (sentence-transformers) and the Chroma store."""
