"""siu dev: the whole pipeline on one machine, the same handler code as on Lambda."""
