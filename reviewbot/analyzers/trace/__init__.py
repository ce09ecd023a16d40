"""The migration trace: replay a change's new migrations on a disposable PostgreSQL and record what they do."""
