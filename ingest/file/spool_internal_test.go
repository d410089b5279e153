package file

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]float64{"1.8 GiB": 1.8 * (1 << 30), "244.1 MiB": 244.1 * (1 << 20), "512 bytes": 512, "3 KiB": 3072} {
		if got, ok := parseSize(in); !ok || got != want {
			t.Errorf("parseSize(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "lots", "3 GB"} {
		if _, ok := parseSize(in); ok {
			t.Errorf("parseSize(%q) took it", in)
		}
	}
}

// A chunk ends at its lines or its bytes, whichever comes first, and a line larger than
// a chunk's bytes is a chunk of its own.
func TestChunkerEndsAChunkAtItsLinesOrBytes(t *testing.T) {
	for _, c := range []struct {
		size  chunkSize
		lines []int
		want  []int
	}{
		{chunkSize{lines: 3, bytes: 25}, []int{10, 10, 30, 10, 10, 6}, []int{0, 0, 1, 2, 2, 3}},
		{chunkSize{lines: 3, bytes: 1 << 20}, []int{5, 5, 5, 5, 5, 5, 5}, []int{0, 0, 0, 1, 1, 1, 2}},
		{chunkSize{lines: 1, bytes: 1 << 20}, []int{5, 5}, []int{0, 1}},
	} {
		ch := chunker{size: c.size}
		var got []int
		for _, n := range c.lines {
			got = append(got, ch.line(n))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%+v, lines of %v bytes: chunks %v, want %v", c.size, c.lines, got, c.want)
		}
	}
}

// readBlocks cuts its blocks where a chunk ends, so that every block is in one chunk,
// and each line is in the chunk that the lines before it decide.
func TestReadBlocksCutAtChunks(t *testing.T) {
	var file strings.Builder
	var sizes []int
	for i := range 40 {
		line := fmt.Sprintf(`{"type":"incident","id":"i%d","title":"%s"}`, i, strings.Repeat("x", i%7*9))
		file.WriteString(line + "\n")
		sizes = append(sizes, len(line)+1)
	}
	size := chunkSize{lines: 6, bytes: 300}
	want := chunker{size: size}
	var wantChunks []int
	for _, n := range sizes {
		wantChunks = append(wantChunks, want.line(n))
	}
	out := make(chan block, 100)
	var lines int
	cut := chunker{size: size}
	if err := readBlocks(context.Background(), strings.NewReader(file.String()), out, make(chan []byte, 1), &lines, &cut); err != nil {
		t.Fatal(err)
	}
	close(out)
	var gotChunks []int
	next := 1
	for b := range out {
		if b.first != next {
			t.Fatalf("a block starts at line %d, want %d", b.first, next)
		}
		n := bytes.Count(b.data, []byte("\n"))
		for range n {
			gotChunks = append(gotChunks, b.chunk)
		}
		next += n
	}
	if lines != 40 || !slices.Equal(gotChunks, wantChunks) {
		t.Errorf("%d lines in chunks %v, want 40 in %v", lines, gotChunks, wantChunks)
	}
	if wantChunks[len(wantChunks)-1] < 5 {
		t.Fatalf("the test's lines make %d chunks: too few to test the cuts", wantChunks[len(wantChunks)-1]+1)
	}
}
