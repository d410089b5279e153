package file

// topLevelType finds the value of the "type" key of a JSON object without decoding the
// rest of it: a record is then decoded once, into its own type, instead of twice. It
// reports false for anything it does not read plainly (malformed JSON, an escaped type
// or key); the caller then decodes the line in full, which also words the error.
func topLevelType(b []byte) (string, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return "", false
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) {
			return "", false
		}
		if b[i] == '}' {
			return "", true // an object without a type
		}
		key, next, ok := plainString(b, i)
		if !ok {
			return "", false
		}
		i = skipSpace(b, next)
		if i >= len(b) || b[i] != ':' {
			return "", false
		}
		i = skipSpace(b, i+1)
		if key == "type" {
			if i < len(b) && b[i] == '"' {
				v, _, ok := plainString(b, i)
				return v, ok
			}
			return "", false // not a string: the full decode says so
		}
		if i, ok = skipValue(b, i); !ok {
			return "", false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return "", false
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return "", true
		default:
			return "", false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// plainString reads a string at b[i] that holds no escape; ok is false otherwise.
func plainString(b []byte, i int) (s string, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return "", i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			return "", i, false
		case '"':
			return string(b[i+1 : j]), j + 1, true
		}
	}
	return "", i, false
}

// skipValue skips one JSON value at b[i], strings, objects and arrays included, without
// checking it: the full decode of the record does that.
func skipValue(b []byte, i int) (int, bool) {
	depth := 0
	for i < len(b) {
		switch c := b[i]; c {
		case '"':
			j := i + 1
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(b) {
				return i, false
			}
			i = j + 1
		case '{', '[':
			depth++
			i++
		case '}', ']':
			if depth == 0 {
				return i, true
			}
			depth--
			i++
		case ',':
			if depth == 0 {
				return i, true
			}
			i++
		default:
			i++
		}
		if depth == 0 && i < len(b) && (b[i] == ',' || b[i] == '}') {
			return i, true
		}
	}
	return i, depth == 0
}
