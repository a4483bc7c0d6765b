"""Root-cause analysis: which unit attributes are over-represented among failures."""
