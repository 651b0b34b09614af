"""What a closed session leaves: the outcome, and its exports."""
