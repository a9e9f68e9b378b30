"""Loading notes (file -> text) and chunking them (text -> chunks with heading paths)."""
