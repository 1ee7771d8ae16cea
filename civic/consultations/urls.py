"""Pieces of addresses shared by the consultation, motion and comment pages."""

# Ids in addresses: integers that fit the database column, so a larger one is a 404, not a database error.
ROW_ID = "int(max=2147483647)"
