"""pytest entry point of the contract suite (inactive unless asked)."""
