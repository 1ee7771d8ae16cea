"""The outbox: every e-mail is a database row first, delivered by `flask --app civic outbox deliver`."""
