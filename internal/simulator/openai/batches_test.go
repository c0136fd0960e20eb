package openai_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

func upload(t *testing.T, c *goopenai.Client, n int) string {
	t.Helper()
	req := goopenai.UploadBatchFileRequest{}
	for i := range n {
		req.AddChatCompletion(string(rune('a'+i)), request(system, user))
	}
	f, err := c.UploadBatchFile(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return f.ID
}

// A batch stays in_progress for its delay, is listed newest first, and a
// cancelled one answers none of its lines.
func TestBatchDelayListAndCancel(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := openai.StartForTest(t, openai.Options{APIKeys: []string{key}, Now: func() time.Time { return now },
		Batches: openai.BatchBehavior{Delay: time.Minute}})
	c := client(s, key)
	ctx := context.Background()
	first, err := c.CreateBatch(ctx, goopenai.CreateBatchRequest{InputFileID: upload(t, c, 2), Endpoint: goopenai.BatchEndpointChatCompletions, CompletionWindow: "24h"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.CreateBatch(ctx, goopenai.CreateBatchRequest{InputFileID: upload(t, c, 3), Endpoint: goopenai.BatchEndpointChatCompletions, CompletionWindow: "24h"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := c.RetrieveBatch(ctx, first.ID); got.Status != "in_progress" || got.OutputFileID != nil {
		t.Fatalf("before the delay: %+v", got.Batch)
	}
	limit := 1
	page, err := c.ListBatch(ctx, nil, &limit)
	if err != nil || len(page.Data) != 1 || page.Data[0].ID != second.ID || !page.HasMore {
		t.Fatalf("first page %+v, %v", page, err)
	}
	page, err = c.ListBatch(ctx, &page.Data[0].ID, &limit)
	if err != nil || len(page.Data) != 1 || page.Data[0].ID != first.ID || page.HasMore {
		t.Fatalf("second page %+v, %v", page, err)
	}

	cancelled, err := c.CancelBatch(ctx, second.ID)
	if err != nil || cancelled.Status != "cancelled" || cancelled.RequestCounts.Failed != 3 || cancelled.ErrorFileID == nil {
		t.Fatalf("cancel: %+v, %v", cancelled.Batch, err)
	}
	raw, err := c.GetFileContent(ctx, *cancelled.ErrorFileID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(raw)
	if strings.Count(string(body), "batch_cancelled") != 3 {
		t.Errorf("error file %s", body)
	}

	now = now.Add(time.Minute)
	done, err := c.RetrieveBatch(ctx, first.ID)
	if err != nil || done.Status != "completed" || done.RequestCounts.Completed != 2 || done.OutputFileID == nil {
		t.Fatalf("after the delay: %+v, %v", done.Batch, err)
	}
	if ids, _ := s.BatchRequests(); len(ids) != 2 {
		t.Errorf("answered lines %v, want the first batch's two", ids)
	}
	if n := s.CountFor(openai.RouteChat); n != 0 {
		t.Errorf("%d direct chat calls recorded for batch lines", n)
	}
}

// Files need purpose batch, and a batch an existing file and the 24h window.
func TestBatchInputChecks(t *testing.T) {
	s := openai.StartForTest(t, openai.Options{APIKeys: []string{key}})
	c := client(s, key)
	ctx := context.Background()
	if _, err := c.CreateFileBytes(ctx, goopenai.FileBytesRequest{Name: "x.jsonl", Bytes: []byte("{}"), Purpose: "fine-tune-nope"}); err == nil {
		t.Error("a file with a bad purpose was accepted")
	}
	if _, err := c.CreateBatch(ctx, goopenai.CreateBatchRequest{InputFileID: "file-missing", Endpoint: goopenai.BatchEndpointChatCompletions, CompletionWindow: "24h"}); err == nil {
		t.Error("a batch of a missing file was accepted")
	}
	if _, err := c.CreateBatch(ctx, goopenai.CreateBatchRequest{InputFileID: upload(t, c, 1), Endpoint: goopenai.BatchEndpointChatCompletions, CompletionWindow: "1h"}); err == nil {
		t.Error("a 1h window was accepted")
	}
}
