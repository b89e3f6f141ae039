"""Shell script analysis: commands and the network targets they name."""
