package connector

import (
	"context"
	"net/http"
	"sync"
)

type operationKey struct{}

// WithOperation names the operation (e.g. "GetCustomer") that requests sent
// with ctx belong to, for metrics and logs. Code that cannot set it on each
// request, such as go-openai, sets it on the context it passes in.
func WithOperation(ctx context.Context, op string) context.Context {
	return context.WithValue(ctx, operationKey{}, op)
}

// OperationFrom returns the operation named by WithOperation, or "".
func OperationFrom(ctx context.Context) string {
	op, _ := ctx.Value(operationKey{}).(string)
	return op
}

type responseKey struct{}

// ResponseMeta is what the transport saw of the last response sent with a
// context from CaptureResponse: the status and headers (never the body).
// It lets a client that hides headers from its errors (go-openai) still
// classify a failure with FromStatus and honour Retry-After.
type ResponseMeta struct {
	mu         sync.Mutex
	statusCode int
	header     http.Header
}

// CaptureResponse returns a context whose requests record their response
// status and headers in the returned ResponseMeta.
func CaptureResponse(ctx context.Context) (context.Context, *ResponseMeta) {
	m := &ResponseMeta{}
	return context.WithValue(ctx, responseKey{}, m), m
}

// Last returns the status and headers of the last response, or 0 and nil.
func (m *ResponseMeta) Last() (int, http.Header) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.statusCode, m.header
}

func (m *ResponseMeta) set(code int, h http.Header) {
	m.mu.Lock()
	m.statusCode, m.header = code, h.Clone()
	m.mu.Unlock()
}

func recordResponse(ctx context.Context, resp *http.Response) {
	if m, ok := ctx.Value(responseKey{}).(*ResponseMeta); ok && resp != nil {
		m.set(resp.StatusCode, resp.Header)
	}
}
