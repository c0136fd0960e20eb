// Package text holds the one way messages are shortened for status, Events
// and errors: to a byte budget, never splitting a UTF-8 character.
package text

import "unicode/utf8"

// Ellipsis marks a shortened text.
const Ellipsis = "…"

// Truncate returns s if it fits in max bytes, else its longest prefix that
// ends on a character boundary and, with Ellipsis appended, fits in max
// bytes. Invalid UTF-8 is cut on a byte boundary like any other text.
func Truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	if max < len(Ellipsis) {
		return ""
	}
	cut := max - len(Ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + Ellipsis
}
