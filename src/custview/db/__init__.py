"""Storage: the models and schema, the connection, the one reader and the writer."""
