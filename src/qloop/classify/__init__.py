"""Classification and severity grading of cases."""
