"""Results and exports: survey results with honest statistics, breakdowns with small-cell suppression,
streamed exports, the consultation dashboard and the open-data page."""
