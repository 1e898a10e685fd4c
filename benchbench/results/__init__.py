"""Results on disk: atomic writes, the schema, and loading runs into pandas."""

from benchbench.results.io import SCHEMA_VERSION, atomic_write_text, load_tensors, read_json, save_tensors, write_json

__all__ = ["SCHEMA_VERSION", "atomic_write_text", "load_tensors", "read_json", "save_tensors", "write_json"]
