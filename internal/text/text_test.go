package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"0123456789abc", 10, "0123456…"},
		{"Müller-Lüdenscheidt", 9, "Mülle…"}, // ü is 2 bytes, … is 3
		{"日本語のテキスト", 10, "日本…"},              // a third 3-byte character would split
		{"abc", 2, ""},
	}
	for _, tc := range cases {
		got := Truncate(tc.in, tc.max)
		if len(got) > tc.max {
			t.Errorf("Truncate(%q, %d) = %q: %d bytes", tc.in, tc.max, got, len(got))
		}
		if !utf8.ValidString(got) {
			t.Errorf("Truncate(%q, %d) = %q: invalid UTF-8", tc.in, tc.max, got)
		}
		if got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
	// Every cut of a multi-byte text stays valid.
	s := strings.Repeat("é日🙂", 50)
	for n := 0; n <= len(s); n++ {
		if got := Truncate(s, n); !utf8.ValidString(got) || len(got) > n {
			t.Fatalf("Truncate(_, %d) = %q", n, got)
		}
	}
}
