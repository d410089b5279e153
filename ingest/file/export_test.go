package file

// SetChunkLines makes chunks of n lines until the returned function restores them.
func SetChunkLines(n int) (restore func()) {
	prev := fixedChunkLines
	fixedChunkLines = n
	return func() { fixedChunkLines = prev }
}
