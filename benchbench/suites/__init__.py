"""Built-in suites, as TOML files beside this module."""
