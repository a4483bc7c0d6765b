"""The monthly quality report: KPIs against the previous month and targets, trends, top
failure modes and alerts, as self-contained HTML, PDF or XLSX in English or Chinese."""
