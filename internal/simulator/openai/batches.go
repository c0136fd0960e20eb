package openai

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

// The Files and Batch API routes (docs/external-apis.md §3.2).
const (
	RouteFiles        = "POST /v1/files"
	RouteFileContent  = "GET /v1/files/{id}/content"
	RouteBatches      = "POST /v1/batches"
	RouteListBatches  = "GET /v1/batches"
	RouteBatch        = "GET /v1/batches/{id}"
	RouteCancelBatch  = "POST /v1/batches/{id}/cancel"
	batchExpiredCode  = "batch_expired"
	batchCancelledMsg = "This request was not executed because the batch was cancelled."
)

// BatchBehavior is how batches end. The zero value completes every line as
// soon as the batch is read after creation.
type BatchBehavior struct {
	// Delay is how long a batch stays in_progress after its creation.
	Delay time.Duration `json:"delay"`
	// Expire makes batches expire instead of completing, with only the
	// first Answered lines answered; the others go to the error file with
	// code batch_expired (and are not billed).
	Expire   bool `json:"expire"`
	Answered int  `json:"answered"`
	// Fail makes batches fail validation: no line is answered.
	Fail bool `json:"fail"`
}

type simFile struct {
	id, name, purpose string
	created           int64
	data              []byte
}

type simBatch struct {
	id, inputFile, endpoint, window string
	status                          string
	created                         time.Time
	auth                            http.Header // the creator's credentials, for its lines
	metadata                        map[string]any
	output, errorFile               string
	total, completed, failed        int
	errors                          []map[string]any
}

// batchRecord is one line a batch sent to the model, for tests.
type batchRecord struct {
	batch, customID string
	chat            ChatRequest
}

// SetBatchBehavior changes how batches created from now on end.
func (s *Server) SetBatchBehavior(b BatchBehavior) {
	s.mu.Lock()
	s.batchBehavior = b
	s.mu.Unlock()
}

// BatchesCreated is how many batches were created.
func (s *Server) BatchesCreated() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.batches)
}

// BatchRequests are the lines batches sent to the model, as chat requests,
// with the custom id of each; expired or cancelled lines are not among them.
func (s *Server) BatchRequests() (ids []string, reqs []ChatRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.batchLines {
		ids = append(ids, r.customID)
		reqs = append(reqs, r.chat)
	}
	return ids, reqs
}

func (s *Server) batchRoutes() {
	s.core.API(RouteFiles, s.uploadFile)
	s.core.API(RouteFileContent, s.fileContent)
	s.core.API(RouteBatches, s.createBatch)
	s.core.API(RouteListBatches, s.listBatches)
	s.core.API(RouteBatch, s.getBatch)
	s.core.API(RouteCancelBatch, s.cancelBatch)
}

func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	if err := r.ParseMultipartForm(simhttp.MaxBody); err != nil {
		writeAPIError(w, http.StatusBadRequest, "The request must be multipart/form-data with a file and a purpose.", "invalid_request_error", "file", "")
		return
	}
	purpose := r.FormValue("purpose")
	if purpose != "batch" {
		writeAPIError(w, http.StatusBadRequest, "'"+purpose+"' is not one of ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] - 'purpose'", "invalid_request_error", "purpose", "")
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "Missing required parameter: 'file'.", "invalid_request_error", "file", "missing_required_parameter")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, simhttp.MaxBody+1))
	if err != nil || len(data) > simhttp.MaxBody {
		writeAPIError(w, http.StatusRequestEntityTooLarge, "The file is larger than the simulator accepts.", "invalid_request_error", "file", "")
		return
	}
	sf := &simFile{id: "file-" + s.newID(), name: hdr.Filename, purpose: purpose, created: s.now().Unix(), data: data}
	s.mu.Lock()
	s.files[sf.id] = sf
	s.mu.Unlock()
	simhttp.WriteJSON(w, http.StatusOK, fileJSON(sf))
}

func fileJSON(f *simFile) map[string]any {
	return map[string]any{"id": f.id, "object": "file", "bytes": len(f.data), "created_at": f.created,
		"filename": f.name, "purpose": f.purpose, "status": "processed"}
}

func (s *Server) fileContent(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	f := s.files[r.PathValue("id")]
	s.mu.Unlock()
	if f == nil {
		writeAPIError(w, http.StatusNotFound, "No such File object: "+r.PathValue("id"), "invalid_request_error", "id", "")
		return
	}
	w.Header().Set("Content-Type", "application/jsonl")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(f.data)
}

func (s *Server) createBatch(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	var in struct {
		InputFileID      string         `json:"input_file_id"`
		Endpoint         string         `json:"endpoint"`
		CompletionWindow string         `json:"completion_window"`
		Metadata         map[string]any `json:"metadata"`
	}
	if err := simhttp.ReadJSON(r, &in); err != nil {
		writeAPIError(w, http.StatusBadRequest, "We could not parse the JSON body of your request.", "invalid_request_error", "", "")
		return
	}
	if in.Endpoint != "/v1/responses" && in.Endpoint != "/v1/chat/completions" && in.Endpoint != "/v1/embeddings" {
		writeAPIError(w, http.StatusBadRequest, "Invalid value for 'endpoint'.", "invalid_request_error", "endpoint", "")
		return
	}
	if in.CompletionWindow != "24h" {
		writeAPIError(w, http.StatusBadRequest, "Invalid value for 'completion_window': only '24h' is supported.", "invalid_request_error", "completion_window", "")
		return
	}
	s.mu.Lock()
	f := s.files[in.InputFileID]
	b := &simBatch{id: "batch_" + s.newIDLocked(), inputFile: in.InputFileID, endpoint: in.Endpoint, window: in.CompletionWindow,
		status: "validating", created: s.now(), auth: authHeaders(r), metadata: in.Metadata}
	if f != nil {
		b.total = bytes.Count(bytes.TrimSpace(f.data), []byte("\n")) + 1
		s.batches = append(s.batches, b)
		s.batchEnds[b.id] = s.batchBehavior
	}
	out := batchJSON(b)
	s.mu.Unlock()
	if f == nil {
		writeAPIError(w, http.StatusBadRequest, "Invalid 'input_file_id': '"+in.InputFileID+"'.", "invalid_request_error", "input_file_id", "")
		return
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

func authHeaders(r *http.Request) http.Header {
	h := http.Header{}
	for _, k := range []string{"Authorization", "OpenAI-Organization"} {
		if v := r.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	return h
}

func batchJSON(b *simBatch) map[string]any {
	out := map[string]any{"id": b.id, "object": "batch", "endpoint": b.endpoint, "input_file_id": b.inputFile,
		"completion_window": b.window, "status": b.status, "created_at": b.created.Unix(), "metadata": b.metadata,
		"output_file_id": nil, "error_file_id": nil,
		"request_counts": map[string]int{"total": b.total, "completed": b.completed, "failed": b.failed}}
	if b.output != "" {
		out["output_file_id"] = b.output
	}
	if b.errorFile != "" {
		out["error_file_id"] = b.errorFile
	}
	if len(b.errors) > 0 {
		out["errors"] = map[string]any{"object": "list", "data": b.errors}
	}
	return out
}

func (s *Server) findBatch(id string) *simBatch {
	for _, b := range s.batches {
		if b.id == id {
			return b
		}
	}
	return nil
}

// pathBatch is the batch the path names, moved along its life; nil when
// the request was answered (unauthorized, unknown batch).
func (s *Server) pathBatch(w http.ResponseWriter, r *http.Request) *simBatch {
	if !s.authorized(w, r) {
		return nil
	}
	s.mu.Lock()
	b := s.findBatch(r.PathValue("id"))
	s.mu.Unlock()
	if b == nil {
		writeAPIError(w, http.StatusNotFound, "No batch found with id '"+r.PathValue("id")+"'.", "invalid_request_error", "id", "")
		return nil
	}
	s.advance(b)
	return b
}

func (s *Server) getBatch(w http.ResponseWriter, r *http.Request) {
	b := s.pathBatch(w, r)
	if b == nil {
		return
	}
	s.mu.Lock()
	out := batchJSON(b)
	s.mu.Unlock()
	simhttp.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) listBatches(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	limit := 20
	if v, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && v > 0 && v <= 100 {
		limit = v
	}
	after := r.URL.Query().Get("after")
	s.mu.Lock()
	all := slices.Clone(s.batches)
	s.mu.Unlock()
	slices.Reverse(all) // newest first
	start := 0
	if after != "" {
		for i, b := range all {
			if b.id == after {
				start = i + 1
			}
		}
	}
	end := min(len(all), start+limit)
	data := []any{}
	s.mu.Lock()
	for _, b := range all[start:end] {
		data = append(data, batchJSON(b))
	}
	s.mu.Unlock()
	out := map[string]any{"object": "list", "data": data, "has_more": end < len(all)}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) cancelBatch(w http.ResponseWriter, r *http.Request) {
	b := s.pathBatch(w, r)
	if b == nil {
		return
	}
	s.mu.Lock()
	if b.status == "validating" || b.status == "in_progress" {
		s.mu.Unlock()
		s.finishBatch(b, "cancelled", 0)
		s.mu.Lock()
	}
	out := batchJSON(b)
	s.mu.Unlock()
	simhttp.WriteJSON(w, http.StatusOK, out)
}

// advance moves a batch along its life when it is read: validating, then
// in_progress until the delay has passed, then its end.
func (s *Server) advance(b *simBatch) {
	s.mu.Lock()
	end := s.batchEnds[b.id]
	status, due := b.status, !s.now().Before(b.created.Add(end.Delay))
	if status == "validating" {
		b.status, status = "in_progress", "in_progress"
	}
	s.mu.Unlock()
	if status != "in_progress" || !due {
		return
	}
	switch {
	case end.Fail:
		s.mu.Lock()
		b.status = "failed"
		b.errors = []map[string]any{{"code": "invalid_request", "message": "The batch input file is not valid.", "line": nil}}
		s.mu.Unlock()
	case end.Expire:
		s.finishBatch(b, "expired", end.Answered)
	default:
		s.finishBatch(b, "completed", -1)
	}
}

// finishBatch runs the first answered lines (all when negative) through
// the API as direct calls would go, and writes the output and error files.
func (s *Server) finishBatch(b *simBatch, status string, answered int) {
	s.mu.Lock()
	f := s.files[b.inputFile]
	s.mu.Unlock()
	var output, errs bytes.Buffer
	completed, failed, n := 0, 0, 0
	sc := bufio.NewScanner(bytes.NewReader(f.data))
	sc.Buffer(make([]byte, 64<<10), simhttp.MaxBody)
	for sc.Scan() {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var line struct {
			CustomID string          `json:"custom_id"`
			Method   string          `json:"method"`
			URL      string          `json:"url"`
			Body     json.RawMessage `json:"body"`
		}
		if json.Unmarshal(raw, &line) != nil {
			continue
		}
		n++
		resID := "batch_req_" + s.newID()
		if answered >= 0 && n > answered {
			code, msg := batchExpiredCode, "This request could not be executed before the completion window expired."
			if status == "cancelled" {
				code, msg = "batch_cancelled", batchCancelledMsg
			}
			writeLine(&errs, map[string]any{"id": resID, "custom_id": line.CustomID, "response": nil,
				"error": map[string]any{"code": code, "message": msg}})
			failed++
			continue
		}
		code, body := s.runLine(b, line.URL, line.Body)
		if code == http.StatusOK {
			s.recordBatchLine(b.id, line.CustomID, line.URL, line.Body)
		}
		out := &output
		if code != http.StatusOK {
			out = &errs
			failed++
		} else {
			completed++
		}
		writeLine(out, map[string]any{"id": resID, "custom_id": line.CustomID,
			"response": map[string]any{"status_code": code, "request_id": "req_sim", "body": json.RawMessage(body)}, "error": nil})
	}
	var outID, errID string
	s.mu.Lock()
	if output.Len() > 0 {
		outID = "file-" + s.newIDLocked()
		s.files[outID] = &simFile{id: outID, name: "batch_output.jsonl", purpose: "batch_output", created: s.now().Unix(), data: output.Bytes()}
	}
	if errs.Len() > 0 {
		errID = "file-" + s.newIDLocked()
		s.files[errID] = &simFile{id: errID, name: "batch_errors.jsonl", purpose: "batch_output", created: s.now().Unix(), data: errs.Bytes()}
	}
	b.status, b.output, b.errorFile, b.completed, b.failed, b.total = status, outID, errID, completed, failed, n
	s.mu.Unlock()
}

func writeLine(buf *bytes.Buffer, v any) {
	b, _ := json.Marshal(v)
	buf.Write(b)
	buf.WriteByte('\n')
}

// runLine serves one line with the handler of the direct call to its URL
// and the batch creator's credentials. It is not an HTTP call: it is
// neither recorded nor faulted (per-line errors come from the markers).
func (s *Server) runLine(b *simBatch, url string, body []byte) (int, []byte) {
	if url != b.endpoint {
		e, _ := json.Marshal(errorBody{Error: APIError{Message: "The URL of the line does not match the batch's endpoint " + b.endpoint + ".", Type: "invalid_request_error"}})
		return http.StatusBadRequest, e
	}
	req := httptest.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.RemoteAddr = "127.0.0.1:1"
	for k, v := range b.auth {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	if url == "/v1/responses" {
		req.Pattern = RouteResponses
		s.responses(rec, req)
	} else {
		req.Pattern = RouteChat
		s.chat(rec, req)
	}
	return rec.Code, bytes.TrimSpace(rec.Body.Bytes())
}

func (s *Server) recordBatchLine(batch, customID, url string, body []byte) {
	var cr ChatRequest
	if strings.HasSuffix(url, "/responses") {
		var rr ResponsesRequest
		if json.Unmarshal(body, &rr) != nil {
			return
		}
		var bad string
		if cr, bad = rr.asChat(); bad != "" {
			return
		}
	} else if json.Unmarshal(body, &cr) != nil {
		return
	}
	s.mu.Lock()
	s.batchLines = append(s.batchLines, batchRecord{batch: batch, customID: customID, chat: cr})
	s.mu.Unlock()
}
