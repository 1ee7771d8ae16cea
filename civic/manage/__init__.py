"""The councillors' area under /manage/ (access is checked for every path by guard_manage_area)."""
