"""What a run tells afterwards: its summary read back from MLMD, the console's lines, and the
HTML report with its figures."""
