package file

// SetChunkLines makes chunks of n lines until the returned function restores them.
func SetChunkLines(n int) (restore func()) { return setChunk(chunkSize{lines: n}) }

// SetChunkBytes makes chunks of n bytes of lines until the returned function restores them.
func SetChunkBytes(n int64) (restore func()) { return setChunk(chunkSize{bytes: n}) }

func setChunk(c chunkSize) (restore func()) {
	prev := fixedChunk
	fixedChunk = &c
	return func() { fixedChunk = prev }
}
