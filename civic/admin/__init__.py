"""Administration under /manage/admin/: accounts and roles, bodies, the audit log."""
