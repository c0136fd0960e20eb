package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind is what a notification's scope asks for.
type kind int

const (
	kindUnsupported kind = iota // a scope the receiver does not know
	kindCreated
	kindUpdated
	kindDeleted
)

// notification is one event of a body: its kind and, for creates and
// updates, the source system's customer id.
type notification struct {
	kind kind
	id   string
}

// maxIDLength and the whitespace rule mirror the CRD's limits on
// spec.customerIDs items, so that an id accepted here is never refused by
// the API server later, when the sender can no longer be told.
const maxIDLength = 128

// wireBody accepts both shapes senders use: 99minds sends only
// notifications; iPaaS.com adds the hook's id and attempt, ignored here.
type wireBody struct {
	Notifications json.RawMessage `json:"notifications"`
}

// parseBody reads a webhook body. The customer id is taken from the first
// of idFields that is set: the fields that hold the source system's own id,
// as its descriptor lists them (external_id for 99minds, in the iPaaS.com
// hook format; id for iPaaS.com). Any malformed notification fails the
// whole body, with an error that names it, so that the sender can fix and
// resend it as one.
func parseBody(body []byte, idFields []string) ([]notification, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("body is empty; want {\"notifications\": [...]}")
	}
	var w wireBody
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, jsonError(err)
	}
	if isNull(w.Notifications) {
		return nil, errors.New("notifications is missing")
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(w.Notifications, &raw); err != nil {
		return nil, errors.New("notifications must be an array")
	}
	out := make([]notification, 0, len(raw))
	for i, r := range raw {
		n, err := parseNotification(r, idFields)
		if err != nil {
			return nil, fmt.Errorf("notifications[%d]%w", i, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// fieldError is an error about one field; parseBody prefixes its path.
type fieldError string

func (e fieldError) Error() string { return string(e) }

// parseNotification keeps every field raw so that the errors can name the
// field and so that ids may be strings or numbers.
func parseNotification(raw json.RawMessage, idFields []string) (notification, error) {
	var w map[string]json.RawMessage
	if err := json.Unmarshal(raw, &w); err != nil || w == nil {
		return notification{}, fieldError(" must be a JSON object")
	}
	scope, err := textField(w["scope"], "scope", false)
	if err != nil {
		return notification{}, err
	}
	if scope == "" {
		return notification{}, fieldError(".scope is missing")
	}
	n := notification{kind: scopeKind(scope)}
	if n.kind != kindCreated && n.kind != kindUpdated {
		return n, nil
	}
	for _, name := range idFields {
		id, err := textField(w[name], name, true)
		if err != nil {
			return notification{}, err
		}
		if id == "" {
			continue
		}
		if err := validID(id); err != nil {
			return notification{}, fieldError(fmt.Sprintf(".%s %s", name, err))
		}
		n.id = id
		return n, nil
	}
	msg := "." + idFields[0] + " is missing"
	switch rest := idFields[1:]; len(rest) {
	case 0:
	case 1:
		msg += " (and " + rest[0] + " is empty)"
	default:
		msg += " (and " + strings.Join(rest, ", ") + " are empty)"
	}
	return notification{}, fieldError(msg)
}

// scopeKind maps the scopes both systems send. Case and surrounding space
// are forgiven; unknown scopes are ignored rather than refused, so that a
// sender adding event types does not break delivery.
func scopeKind(scope string) kind {
	switch strings.ToLower(scope) {
	case "customer/created":
		return kindCreated
	case "customer/updated":
		return kindUpdated
	case "customer/deleted":
		return kindDeleted
	}
	return kindUnsupported
}

// textField reads a string or, when numbers is set, a number (ids such as
// 158056 may arrive unquoted); null and absent read as "".
func textField(raw json.RawMessage, name string, numbers bool) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fieldError(fmt.Sprintf(".%s is not a valid JSON string", name))
		}
		return strings.TrimSpace(s), nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if numbers {
			return string(raw), nil
		}
	}
	if !numbers {
		return "", fieldError(fmt.Sprintf(".%s must be a string", name))
	}
	return "", fieldError(fmt.Sprintf(".%s must be a string or a number", name))
}

func validID(id string) error {
	if n := utf8.RuneCountInString(id); n > maxIDLength {
		return fmt.Errorf("is %d characters long; ids are at most %d", n, maxIDLength)
	}
	if strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return errors.New("contains whitespace or control characters")
	}
	if !utf8.ValidString(id) {
		return errors.New("is not valid UTF-8")
	}
	return nil
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// jsonError names what is wrong with a body that does not decode, with the
// byte offset for syntax errors.
func jsonError(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("body is not valid JSON: %s at offset %d", syn.Error(), syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) && typ.Field == "" {
		return fmt.Errorf("body must be a JSON object, not %s", typ.Value)
	}
	if errors.As(err, &typ) {
		return fmt.Errorf("%s must not be %s", typ.Field, typ.Value)
	}
	return fmt.Errorf("body is not valid JSON: %s", err.Error())
}
