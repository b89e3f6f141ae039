"""Edit builders: text splices that add or change an entry in a YAML mapping or sequence, or a key in a
TOML table, keeping the layout. Below the checks, which build their fixes from them; above the models."""
