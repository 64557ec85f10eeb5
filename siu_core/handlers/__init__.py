"""One module per Lambda function: thin I/O shells around the pure core."""
