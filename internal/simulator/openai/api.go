package openai

import (
	"encoding/json"
)

// ChatRequests returns the last n model requests decoded, oldest first, for asserting what the
// operator sent (model, messages, schema); a Responses API request appears as the equivalent
// chat request, and one without input (which OpenAI refuses, unbilled) is skipped. Bodies that
// do not decode are skipped.
func (s *Server) ChatRequests(n int) []ChatRequest {
	var out []ChatRequest
	for _, r := range s.core.Recorder.Last(0) {
		switch r.Pattern {
		case RouteChat, RouteAzureChat:
			var cr ChatRequest
			if json.Unmarshal([]byte(r.Body), &cr) == nil {
				out = append(out, cr)
			}
		case RouteResponses: // as the equivalent chat request
			var rr ResponsesRequest
			if json.Unmarshal([]byte(r.Body), &rr) == nil && len(rr.Input) > 0 && string(rr.Input) != "null" {
				if cr, bad := rr.asChat(); bad == "" {
					out = append(out, cr)
				}
			}
		}
	}
	if n > 0 && len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}

// SetCanned adds a fixed answer for requests whose messages contain match (first added wins).
func (s *Server) SetCanned(match, content string) {
	s.mu.Lock()
	s.canned = append(s.canned, Canned{Match: match, Content: content})
	s.mu.Unlock()
}

// SetQuotaExhausted makes every call answer 429 insufficient_quota until set back to false.
func (s *Server) SetQuotaExhausted(on bool) { s.quota.Store(on) }

// SetAPIKeys replaces the accepted keys (DefaultAPIKey when none).
func (s *Server) SetAPIKeys(keys ...string) {
	s.mu.Lock()
	s.keys = append([]string(nil), keys...)
	if len(s.keys) == 0 {
		s.keys = []string{DefaultAPIKey}
	}
	s.mu.Unlock()
}

// Reset restores the state New produced: keys, the canned answers of Options, quota available, the initial
// faults, the id stream, and no recorded traffic.
func (s *Server) Reset() {
	s.resetState()
	_ = s.core.Faults.Set(s.opts.Faults)
	s.core.ResetTraffic()
}
